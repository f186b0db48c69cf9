export * from "./postgres-database";
export * from "./config";
