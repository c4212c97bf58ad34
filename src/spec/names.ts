// Name patterns shared by the schema and code that must not load the schema (zod, yaml) to check
// a name, such as the secret service in an idle server.
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
