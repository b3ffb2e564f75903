import type { FormObject, FormValue } from './form.ts';
import { invalid, missing, type Obj, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optBoolean, optObject, optString } from './params.ts';
import { type Call, findOwned, type LineEntry, type Result } from './state.ts';

/**
 * Products and one-time Prices (POST /v1/products, POST /v1/prices and their reads), and the line items of
 * Checkout Sessions and Payment Links, which name a stored Price or make one inline from `price_data`.
 * Recurring and tiered prices are outside the sandbox: they answer 400 saying so.
 */
const MAX_UNIT_AMOUNT = 99_999_999;

export function productObject(call: Call, input: { name: string; description?: string | null; metadata?: Record<string, string> }): Obj {
  return {
    id: stripeId('prod').slice(0, 19),
    object: 'product',
    active: true,
    created: call.now,
    default_price: null,
    description: input.description ?? null,
    images: [],
    livemode: call.livemode,
    marketing_features: [],
    metadata: input.metadata ?? {},
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: call.now,
    url: null,
  };
}

function priceObject(call: Call, input: { currency: string; unitAmount: number; product: string; metadata?: Record<string, string> }): Obj {
  return {
    id: stripeId('price'),
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: call.now,
    currency: input.currency,
    custom_unit_amount: null,
    livemode: call.livemode,
    lookup_key: null,
    metadata: input.metadata ?? {},
    nickname: null,
    product: input.product,
    recurring: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'one_time',
    unit_amount: input.unitAmount,
    unit_amount_decimal: String(input.unitAmount),
  };
}

function requiredString(params: FormObject, name: string, param: string, maxLength = 5000): string {
  const value = optString(params, name, maxLength);
  if (value === undefined) throw invalid(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  return value;
}

function currencyParam(params: FormObject, param: string): string {
  const currency = requiredString(params, 'currency', param);
  if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}. Use a lowercase ISO code such as usd.`, { param });
  return currency;
}

/** unit_amount (integer) or unit_amount_decimal (whole minor units only in the sandbox); exactly one. */
function unitAmountParam(params: FormObject, prefix: string): number {
  const name = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  const integer = params.unit_amount;
  const decimal = params.unit_amount_decimal;
  if (integer !== undefined && decimal !== undefined) {
    throw invalid(`You may only specify one of these parameters: ${name('unit_amount')}, ${name('unit_amount_decimal')}.`, {
      code: 'parameters_exclusive',
      param: name('unit_amount'),
    });
  }
  const raw = integer ?? decimal;
  if (raw === undefined) {
    throw invalid(`Missing required param: ${name('unit_amount')}.`, { code: 'parameter_missing', param: name('unit_amount') });
  }
  const pattern = integer !== undefined ? /^\d+$/ : /^\d+(\.0*)?$/;
  if (typeof raw !== 'string' || !pattern.test(raw)) {
    throw invalid('Invalid integer', {
      code: 'parameter_invalid_integer',
      param: name(integer !== undefined ? 'unit_amount' : 'unit_amount_decimal'),
    });
  }
  const amount = Number.parseInt(raw, 10);
  if (amount > MAX_UNIT_AMOUNT)
    throw invalid(`Amount must be no more than ${MAX_UNIT_AMOUNT}`, { code: 'amount_too_large', param: name('unit_amount') });
  return amount;
}

function noRecurring(params: FormObject, prefix: string) {
  if (params.recurring !== undefined) {
    throw invalid('The sandbox emulates one-time prices only (no recurring prices or subscription mode).', {
      param: prefix ? `${prefix}[recurring]` : 'recurring',
    });
  }
}

/** `product` (an existing id) or `product_data` (creates one); exactly one. */
function productParam(call: Call, params: FormObject, prefix: string): string {
  const name = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  const id = optString(params, 'product');
  const data = optObject(params, 'product_data');
  if (id && data) {
    throw invalid(`You may only specify one of these parameters: ${name('product')}, ${name('product_data')}.`, {
      code: 'parameters_exclusive',
      param: name('product'),
    });
  }
  if (id) {
    if (!findOwned(call.state.products, id, call.owner))
      throw invalid(`No such product: '${id}'`, { code: 'resource_missing', param: name('product') });
    return id;
  }
  if (!data) {
    throw invalid(`You must specify either ${name('product')} or ${name('product_data')}.`, {
      code: 'parameter_missing',
      param: name('product'),
    });
  }
  onlyParams(
    data,
    ['name', 'description', 'metadata', 'images', 'tax_code', 'active', 'id', 'statement_descriptor', 'unit_label'],
    name('product_data'),
  );
  const product = productObject(call, {
    name: requiredString(data, 'name', `${name('product_data')}[name]`),
    description: optString(data, 'description', 40_000) ?? null,
    metadata: metadataParam(data),
  });
  call.state.products.set(product.id, { owner: call.owner, object: product });
  return product.id;
}

export function createProduct(call: Call): Result {
  const { params } = call;
  onlyParams(params, [
    'name',
    'description',
    'metadata',
    'active',
    'images',
    'url',
    'expand',
    'statement_descriptor',
    'tax_code',
    'unit_label',
    'shippable',
  ]);
  const product = productObject(call, {
    name: requiredString(params, 'name', 'name'),
    description: optString(params, 'description', 40_000) ?? null,
    metadata: metadataParam(params),
  });
  const active = optBoolean(params, 'active');
  if (active !== undefined) product.active = active;
  call.state.products.set(product.id, { owner: call.owner, object: product });
  return { status: 200, body: product };
}

export function createPrice(call: Call): Result {
  const { params } = call;
  onlyParams(params, [
    'currency',
    'unit_amount',
    'unit_amount_decimal',
    'product',
    'product_data',
    'metadata',
    'nickname',
    'active',
    'tax_behavior',
    'lookup_key',
    'recurring',
    'expand',
  ]);
  const currency = currencyParam(params, 'currency');
  noRecurring(params, '');
  const unitAmount = unitAmountParam(params, '');
  const product = productParam(call, params, '');
  const price = priceObject(call, { currency, unitAmount, product, metadata: metadataParam(params) });
  price.nickname = optString(params, 'nickname') ?? null;
  const active = optBoolean(params, 'active');
  if (active !== undefined) price.active = active;
  call.state.prices.set(price.id, { owner: call.owner, object: price });
  return { status: 200, body: price };
}

export function retrieveOwned(call: Call, kind: 'product' | 'price', id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = findOwned(kind === 'product' ? call.state.products : call.state.prices, id, call.owner);
  if (!entry) throw missing(kind, id);
  return { status: 200, body: entry.object };
}

function positiveInt(value: FormValue | undefined, param: string): number {
  if (value === undefined || value === '') throw invalid(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) <= 0) {
    throw invalid('Invalid positive integer', { code: 'parameter_invalid_integer', param });
  }
  return Number(value);
}

/**
 * `line_items[i][price]` (an active one-time Price) or `[price_data]` (inline, when `inlinePrices`), with a
 * required quantity; every line in one currency. Returns the lines; throws Stripe's 400s.
 */
export function lineItemsParam(call: Call, options: { inlinePrices: boolean; max: number }): LineEntry[] {
  const raw = call.params.line_items;
  if (raw === undefined || raw === '')
    throw invalid('Missing required param: line_items.', { code: 'parameter_missing', param: 'line_items' });
  if (!Array.isArray(raw) || raw.length === 0) throw invalid('Invalid array', { param: 'line_items' });
  if (raw.length > options.max) throw invalid(`line_items must have at most ${options.max} items.`, { param: 'line_items' });
  const lines = raw.map((item, i): LineEntry => {
    const prefix = `line_items[${i}]`;
    if (typeof item !== 'object' || Array.isArray(item)) throw invalid('Invalid object', { param: prefix });
    onlyParams(
      item,
      options.inlinePrices
        ? ['price', 'price_data', 'quantity', 'adjustable_quantity', 'tax_rates', 'dynamic_tax_rates']
        : ['price', 'quantity', 'adjustable_quantity'],
      prefix,
    );
    const quantity = positiveInt(item.quantity, `${prefix}[quantity]`);
    const priceId = optString(item, 'price');
    const data = options.inlinePrices ? optObject(item, 'price_data') : undefined;
    if (priceId && data) {
      throw invalid(`You may only specify one of these parameters: ${prefix}[price], ${prefix}[price_data].`, {
        code: 'parameters_exclusive',
        param: `${prefix}[price]`,
      });
    }
    if (priceId) {
      const price = findOwned(call.state.prices, priceId, call.owner);
      if (!price) throw invalid(`No such price: '${priceId}'`, { code: 'resource_missing', param: `${prefix}[price]` });
      if (!price.object.active) throw invalid(`The price \`${priceId}\` is not active.`, { param: `${prefix}[price]` });
      return { price: price.object, quantity, description: productName(call, price.object.product) };
    }
    if (!data) {
      throw invalid(`You must specify either ${prefix}[price]${options.inlinePrices ? ` or ${prefix}[price_data]` : ''}.`, {
        code: 'parameter_missing',
        param: `${prefix}[price]`,
      });
    }
    const dataPrefix = `${prefix}[price_data]`;
    onlyParams(
      data,
      ['currency', 'product', 'product_data', 'unit_amount', 'unit_amount_decimal', 'tax_behavior', 'recurring'],
      dataPrefix,
    );
    noRecurring(data, dataPrefix);
    const currency = currencyParam(data, `${dataPrefix}[currency]`);
    const unitAmount = unitAmountParam(data, dataPrefix);
    const product = productParam(call, data, dataPrefix);
    const price = priceObject(call, { currency, unitAmount, product });
    price.active = false; // inline prices cannot be reused
    call.state.prices.set(price.id, { owner: call.owner, object: price });
    return { price, quantity, description: productName(call, product) };
  });
  const currencies = new Set(lines.map((l) => l.price.currency));
  if (currencies.size > 1) throw invalid('All line items must use the same currency.', { param: 'line_items' });
  return lines;
}

function productName(call: Call, id: string): string {
  return call.state.products.get(id)?.object.name ?? '';
}

export function linesTotal(lines: LineEntry[]): number {
  return lines.reduce((sum, l) => sum + l.price.unit_amount * l.quantity, 0);
}

/** The `line_items` list as Checkout returns it when expanded. */
export function lineItemsList(lines: LineEntry[], url: string): Obj {
  return {
    object: 'list',
    data: lines.map((l, i) => {
      const total = l.price.unit_amount * l.quantity;
      return {
        id: `li_${String(i + 1).padStart(2, '0')}${l.price.id.slice(-22)}`,
        object: 'item',
        amount_discount: 0,
        amount_subtotal: total,
        amount_tax: 0,
        amount_total: total,
        currency: l.price.currency,
        description: l.description,
        price: l.price,
        quantity: l.quantity,
      };
    }),
    has_more: false,
    url,
  };
}
