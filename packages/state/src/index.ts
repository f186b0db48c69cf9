export * from "./config";
export * from "./state-bucket";
