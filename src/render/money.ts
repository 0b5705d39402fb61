/**
 * Money in plans: 2 decimals, thousands separators, a sign for changes. The currency symbol is
 * `$` for now (ConnectWise holds amounts without a currency); it becomes configurable later.
 */
export const CURRENCY = '$';

const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1234.5 -> "$1,234.50"; -3 -> "-$3.00". */
export function money(value: number): string {
  const cents = Math.round(value * 100) / 100;
  return `${cents < 0 ? '-' : ''}${CURRENCY}${amount.format(Math.abs(cents))}`;
}

/** A change: "+$412.50", "-$25.00", "$0.00". */
export function moneyChange(value: number): string {
  const cents = Math.round(value * 100) / 100;
  return cents > 0 ? `+${money(cents)}` : money(cents);
}

/** A quantity change: "+2", "-10", "0". */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
