import type { calcPrice as calcPriceFn } from '@pydantic/genai-prices';

/** A model's price per million tokens. */
export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

export interface PriceBook {
  /**
   * The USD cost of a call to `<provider>/<model>` (provider `kind` helps the price source
   * pick the vendor); null when the model has no known price.
   */
  cost(model: string, kind: string | null, tokensIn: number, tokensOut: number): Promise<number | null>;
  /**
   * The same, at once, when the model's rate is known already (an override, or looked up
   * before); undefined when it still has to be looked up with `cost`. Lets a request that
   * repeats a model be priced without a promise on its hot path.
   */
  costNow(model: string, tokensIn: number, tokensOut: number): number | null | undefined;
}

type CalcPrice = typeof calcPriceFn;

/**
 * Prices from `@pydantic/genai-prices` (maintained, bundled data: no network), overridden per
 * model by the config's `prices`. The library (~0.8 MB of price data) is loaded on the first
 * cost, so a gateway without budgets never carries it; rates are cached per model.
 */
export function createPriceBook(overrides: Readonly<Record<string, ModelPrice>> = {}): PriceBook {
  let calc: Promise<CalcPrice> | null = null;
  const rates = new Map<string, ModelPrice | null>();

  async function rateOf(model: string, kind: string | null): Promise<ModelPrice | null> {
    const known = overrides[model] ?? rates.get(model);
    if (known !== undefined) return known;
    calc ??= import('@pydantic/genai-prices').then((m) => m.calcPrice);
    const calcPrice = await calc;
    const name = model.slice(model.indexOf('/') + 1);
    const opts = kind ? { providerId: kind } : {};
    const input = calcPrice({ input_tokens: 1_000_000, output_tokens: 0 }, name, opts) ?? calcPrice({ input_tokens: 1_000_000, output_tokens: 0 }, name);
    const output = calcPrice({ input_tokens: 0, output_tokens: 1_000_000 }, name, opts) ?? calcPrice({ input_tokens: 0, output_tokens: 1_000_000 }, name);
    const rate = input && output ? { input_per_mtok: input.total_price, output_per_mtok: output.total_price } : null;
    rates.set(model, rate);
    return rate;
  }

  const priced = (rate: ModelPrice | null, tokensIn: number, tokensOut: number) =>
    rate ? (tokensIn * rate.input_per_mtok + tokensOut * rate.output_per_mtok) / 1_000_000 : null;

  return {
    async cost(model, kind, tokensIn, tokensOut) {
      return priced(await rateOf(model, kind), tokensIn, tokensOut);
    },
    costNow(model, tokensIn, tokensOut) {
      const known = overrides[model] ?? rates.get(model);
      return known === undefined ? undefined : priced(known, tokensIn, tokensOut);
    },
  };
}
