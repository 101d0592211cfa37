/** One problem in a YAML file: where it is and what is wrong. */
export interface YamlProblem {
  file: string;
  line: number;
  /** e.g. `tiers.prod.rate_limits[0].limit.per`; `(top level)` for the document itself. */
  path: string;
  message: string;
}

/** A config file that cannot be used, with a message naming the file, line and field. */
export class ConfigError extends Error {
  /** Each problem with its line and field, when the error came from checking a file (the dashboard lists them). */
  readonly problems: readonly YamlProblem[];

  constructor(message: string, problems: readonly YamlProblem[] = []) {
    super(message);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
