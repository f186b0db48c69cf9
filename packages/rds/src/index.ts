export * from "./postgres-database";
export * from "./config";
export * from "./module";
