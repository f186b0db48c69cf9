export * from "./container-registry";
export * from "./config";
