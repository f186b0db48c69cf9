export * from "./postgres-database";
