declare module 'asl-validator' {
  interface AslValidation {
    readonly isValid: boolean;
    readonly errors: ReadonlyArray<Record<string, unknown>>;
    errorsText(separator?: string): string;
  }
  export default function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidation;
}
