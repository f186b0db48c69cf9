export * from "./network";
export * from "./config";
export * from "./public-certificate";
