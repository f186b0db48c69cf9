export * from "./container-registry";
export * from "./config";
export * from "./module";
