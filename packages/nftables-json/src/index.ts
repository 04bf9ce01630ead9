// Public API of @kproxy/nftables-json.
export { InvalidCommandError } from './errors.ts';
export {
  COMMAND_VERBS,
  commandObject,
  commandVerb,
  FAMILIES,
  HOOKS,
  OBJECT_KINDS,
  objectKind,
  PRIORITY,
} from './schema.ts';
export type {
  AddCommand,
  BinaryOperator,
  BinaryOpExpr,
  ChainObject,
  ChainPolicy,
  ChainType,
  Command,
  CommandVerb,
  ConcatExpr,
  CounterStmt,
  CreateCommand,
  CtExpr,
  DeleteCommand,
  DnatStmt,
  ElementObject,
  ElemExpr,
  Expression,
  Family,
  FibExpr,
  FibFlag,
  FlushCommand,
  GotoVerdict,
  Hook,
  InsertCommand,
  JumpVerdict,
  ListCommand,
  ListItem,
  ListOutput,
  MangleStmt,
  MapElement,
  MapExpr,
  MapObject,
  MasqueradeStmt,
  MatchOp,
  MatchStmt,
  MetaExpr,
  MetaKey,
  MetainfoObject,
  NatBody,
  NatFlag,
  NftablesDocument,
  NftObject,
  NotrackStmt,
  NumgenExpr,
  ObjectKind,
  ObjectOf,
  PayloadExpr,
  PayloadProtocol,
  PrefixExpr,
  RangeExpr,
  RejectStmt,
  ReplaceCommand,
  RuleObject,
  SetElement,
  SetExpr,
  SetFlag,
  SetKeyType,
  SetTypeof,
  SetObject,
  SetPolicy,
  SetStmt,
  SimpleVerdict,
  SnatStmt,
  Statement,
  TableObject,
  Verdict,
  VmapStmt,
} from './schema.ts';
export { commandText, expressionText, ruleText, statementText } from './text.ts';
export { nftScript } from './wire-text.ts';
export { NFT_KEYWORDS } from './wire-keywords.ts';
export { Transaction } from './transaction.ts';
export type { FlushInput, ObjectInput, Scoped, TableInput, TransactionDefaults } from './transaction.ts';
export { commandProblem, expressionProblem, MAX_COMMENT_BYTES, MAX_NAME_BYTES, nameProblem, statementProblem } from './validate.ts';
export { classifyNftFailure, listCommand, nftables, parseNftVersion } from './client.ts';
export type { ApplyResult, ListTarget, NftablesOptions, NftClient, NftVersion, NftWire } from './client.ts';
export { listedForm } from './listing-form.ts';
export { findTable, parseRuleset, rulesetToJSON, tableKey } from './ruleset.ts';
export type { Ruleset, RulesetChain, RulesetSet, RulesetTable } from './ruleset.ts';
export { trace } from './tracer.ts';
export type { TraceOptions, TraceOutcome, TracePacket, TraceResult } from './tracer.ts';
