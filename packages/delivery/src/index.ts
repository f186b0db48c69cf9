export * from "./config";
export * from "./images";
export * from "./services";
export * from "./policies";
export * from "./validate";
export * from "./roles";
