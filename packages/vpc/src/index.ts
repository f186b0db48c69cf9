export * from "./network";
export * from "./config";
