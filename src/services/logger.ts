/** The part of pino's logger services use, so they can log without knowing the server's wiring. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
