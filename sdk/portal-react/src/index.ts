export { HookrelayPortal, HookbasePortal, usePortal, type HookrelayPortalProps } from "./portal.js";
export { EndpointList } from "./EndpointList.js";
export { MessageLog } from "./MessageLog.js";
export { EndpointFilter } from "./EndpointFilter.js";
export { EndpointTransformation } from "./EndpointTransformation.js";
export * from "./client.js";
