/**
 * LiteSVM's transaction errors in the two forms a Solana RPC node shows them: the JSON of agave's TransactionError
 * (`"BlockhashNotFound"`, `{ "InstructionError": [0, { "Custom": 0 }] }`) and its Display text, which the node puts
 * in the message of a failed preflight ("Transaction simulation failed: Error processing Instruction 0: …").
 */

// LiteSVM hands out errors without fields as numbers: indexes into these lists, in the order of its declarations.
const TRANSACTION_ERRORS = [
  'AccountInUse',
  'AccountLoadedTwice',
  'AccountNotFound',
  'ProgramAccountNotFound',
  'InsufficientFundsForFee',
  'InvalidAccountForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'CallChainTooDeep',
  'MissingSignatureForFee',
  'InvalidAccountIndex',
  'SignatureFailure',
  'InvalidProgramForExecution',
  'SanitizeFailure',
  'ClusterMaintenance',
  'AccountBorrowOutstanding',
  'WouldExceedMaxBlockCostLimit',
  'UnsupportedVersion',
  'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'AddressLookupTableNotFound',
  'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex',
  'InvalidRentPayingAccount',
  'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit',
  'MaxLoadedAccountsDataSizeExceeded',
  'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit',
  'UnbalancedTransaction',
  'ProgramCacheHitMaxLimit',
  'CommitCancelled',
];

const INSTRUCTION_ERRORS = [
  'GenericError',
  'InvalidArgument',
  'InvalidInstructionData',
  'InvalidAccountData',
  'AccountDataTooSmall',
  'InsufficientFunds',
  'IncorrectProgramId',
  'MissingRequiredSignature',
  'AccountAlreadyInitialized',
  'UninitializedAccount',
  'UnbalancedInstruction',
  'ModifiedProgramId',
  'ExternalAccountLamportSpend',
  'ExternalAccountDataModified',
  'ReadonlyLamportChange',
  'ReadonlyDataModified',
  'DuplicateAccountIndex',
  'ExecutableModified',
  'RentEpochModified',
  'NotEnoughAccountKeys',
  'AccountDataSizeChanged',
  'AccountNotExecutable',
  'AccountBorrowFailed',
  'AccountBorrowOutstanding',
  'DuplicateAccountOutOfSync',
  'InvalidError',
  'ExecutableDataModified',
  'ExecutableLamportChange',
  'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId',
  'CallDepth',
  'MissingAccount',
  'ReentrancyNotAllowed',
  'MaxSeedLengthExceeded',
  'InvalidSeeds',
  'InvalidRealloc',
  'ComputationalBudgetExceeded',
  'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure',
  'ProgramFailedToComplete',
  'ProgramFailedToCompile',
  'Immutable',
  'IncorrectAuthority',
  'AccountNotRentExempt',
  'InvalidAccountOwner',
  'ArithmeticOverflow',
  'UnsupportedSysvar',
  'IllegalOwner',
  'MaxAccountsDataAllocationsExceeded',
  'MaxAccountsExceeded',
  'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits',
  'BorshIoError',
];

// agave's Display texts for the errors a client meets most; the rest read as their names.
const TRANSACTION_TEXT: Record<string, string> = {
  AccountInUse: 'Account in use',
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  AlreadyProcessed: 'This transaction has already been processed',
  BlockhashNotFound: 'Blockhash not found',
  SignatureFailure: 'Transaction did not pass signature verification',
};
const INSTRUCTION_TEXT: Record<string, string> = {
  AccountAlreadyInitialized: 'instruction requires an uninitialized account',
  MissingRequiredSignature: 'missing required signature for instruction',
  InsufficientFunds: 'insufficient funds for instruction',
  InvalidAccountData: 'invalid account data for instruction',
  ComputationalBudgetExceeded: 'Computational budget exceeded',
};

export type TransactionErrorJson = string | Record<string, unknown>;

type NativeError = number | { constructor: { name: string }; [field: string]: unknown };

function instructionErrorJson(error: NativeError): TransactionErrorJson {
  if (typeof error === 'number') return INSTRUCTION_ERRORS[error] ?? 'InvalidError';
  if (error.constructor.name === 'InstructionErrorCustom') return { Custom: error.code };
  return 'BorshIoError';
}

/** A LiteSVM error (FailedTransactionMetadata.err()) as agave serialises a TransactionError. */
export function transactionErrorJson(error: unknown): TransactionErrorJson {
  const native = error as NativeError;
  if (typeof native === 'number') return TRANSACTION_ERRORS[native] ?? 'SanitizeFailure';
  switch (native.constructor.name) {
    case 'TransactionErrorInstructionError':
      return { InstructionError: [native.index, instructionErrorJson((native.err as () => NativeError).call(native))] };
    case 'TransactionErrorDuplicateInstruction':
      return { DuplicateInstruction: native.index };
    case 'TransactionErrorInsufficientFundsForRent':
      return { InsufficientFundsForRent: { account_index: native.accountIndex } };
    default:
      return { ProgramExecutionTemporarilyRestricted: { account_index: native.accountIndex } };
  }
}

/** agave's Display text of a TransactionError, from its JSON. */
export function transactionErrorText(error: TransactionErrorJson): string {
  if (typeof error === 'string') return TRANSACTION_TEXT[error] ?? error;
  const [name, value] = Object.entries(error)[0] ?? ['SanitizeFailure', null];
  if (name !== 'InstructionError') return name;
  const [index, inner] = value as [number, TransactionErrorJson];
  const text =
    typeof inner === 'string'
      ? (INSTRUCTION_TEXT[inner] ?? inner)
      : `custom program error: 0x${Number((inner as { Custom: number }).Custom).toString(16)}`;
  return `Error processing Instruction ${index}: ${text}`;
}
