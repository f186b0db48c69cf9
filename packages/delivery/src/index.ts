export * from "./config";
export * from "./images";
