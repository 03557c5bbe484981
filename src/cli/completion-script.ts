import type { Command, Option } from 'commander';

/** What completes after a command line's words: its subcommands and options, as commander defines them. */
interface Level {
  /** `cmd sub` as typed (empty for the program itself). */
  readonly key: string;
  readonly commands: readonly { readonly name: string; readonly description: string }[];
  readonly options: readonly string[];
}

function flagsOf(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
}

/** Every level, the deepest first: a shell's case statement takes the first pattern that matches. */
function levelsOf(program: Command): Level[] {
  const globals = [...flagsOf(program.options), '--help'];
  const levels: Level[] = [];
  const visit = (command: Command, path: readonly string[]): void => {
    for (const child of command.commands) visit(child, [...path, child.name()]);
    const commands = command.commands.map((c) => ({ name: c.name(), description: c.description().split(/[:;(]/)[0]?.trim() ?? '' }));
    const own = command === program ? [] : flagsOf(command.options);
    levels.push({ key: path.join(' '), commands, options: [...own, ...globals] });
  };
  visit(program, []);
  return levels;
}

/** Options that take a value: the word after them is that value, not a command. */
function valueFlags(program: Command): string[] {
  const all: Option[] = [];
  const visit = (command: Command): void => {
    all.push(...command.options);
    command.commands.forEach(visit);
  };
  visit(program);
  return [...new Set(flagsOf(all.filter((o) => o.required || o.optional)))].sort();
}

/** The words typed so far, without options and their values: the command path, as the completion functions see it. */
function pathScan(loop: string, word: string, flags: readonly string[]): string {
  return `  local cmdpath="" i w skip=""
  for (( ${loop} )); do
    w="${word}"
    if [[ -n $skip ]]; then skip=""; continue; fi
    case "$w" in
      ${flags.join('|')}) skip=1 ;;
      -*) ;;
      *) cmdpath="\${cmdpath:+$cmdpath }$w" ;;
    esac
  done`;
}

/** A case pattern: the level's exact path, or it followed by arguments. */
function pattern(level: Level): string {
  return level.key === '' ? '*' : `"${level.key}"|"${level.key} "*`;
}

export function bashCompletion(program: Command): string {
  const name = program.name();
  const cases = levelsOf(program)
    .map((l) => `    ${pattern(l)}) words="${[...l.commands.map((c) => c.name), ...l.options].join(' ')}" ;;`)
    .join('\n');
  return `# bash completion for ${name}: source it, or save it as /etc/bash_completion.d/${name}
_${name}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words=""
${pathScan('i = 1; i < COMP_CWORD; i++', '${COMP_WORDS[i]}', valueFlags(program))}
  case "$cmdpath" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _${name} ${name}
`;
}

/** Descriptions are shown by zsh next to each command: quoted for a `name:description` array. */
function zshEntry(command: { name: string; description: string }): string {
  return `'${`${command.name}:${command.description}`.replace(/'/g, "'\\''")}'`;
}

export function zshCompletion(program: Command): string {
  const name = program.name();
  const cases = levelsOf(program)
    .map((l) => `    ${pattern(l)}) commands=(${l.commands.map(zshEntry).join(' ')}); options=(${l.options.join(' ')}) ;;`)
    .join('\n');
  return `#compdef ${name}
# zsh completion for ${name}: save it as _${name} in a directory of $fpath, or source it after compinit
_${name}() {
  local -a commands options
${pathScan('i = 2; i < CURRENT; i++', '${words[i]}', valueFlags(program))}
  case "$cmdpath" in
${cases}
  esac
  if [[ $PREFIX == -* ]]; then compadd -- $options; else _describe -t commands '${name} command' commands; _files; fi
}
compdef _${name} ${name}
`;
}
