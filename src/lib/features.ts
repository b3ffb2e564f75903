/**
 * What this deployment can do (GET /info, seed 003 §18). A flag turns true in the change that ships
 * the feature, never before: clients and operators read this map to decide what to call.
 */
export const FEATURES = {
  stripe: true,
  square: false,
  webhooks: true,
  reconciliation: true,
  nftIntegration: false,
  notifications: false,
  fraudDetection: false,
  transactionalOutbox: true,
  deadLetterRequeue: true,
  queueDashboard: null as string | null,
};

export const PRIMARY_PROCESSOR = 'stripe';
