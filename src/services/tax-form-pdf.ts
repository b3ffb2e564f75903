import type { Color, PDFFont, PDFPage } from 'pdf-lib';
import { type Form1099daData, formatDollars } from '../domain/tax-forms';

/**
 * The recipient's copy of a 1099-DA as a one-page PDF: the fields the platform can fill (payer, recipient with
 * the masked TIN, tax year, the year's proceeds, cost basis, gain, number of sales, description).
 */
const PAGE = { width: 612, height: 792 }; // US Letter, in points
const MARGIN = 54;

/** The standard fonts encode WinAnsi only: any other character is printed as '?'. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7E\xA0-\xFF]/g, '?');
}

class Writer {
  private y = PAGE.height - MARGIN;

  constructor(
    private readonly page: PDFPage,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    private readonly colors: { text: Color; muted: Color },
  ) {}

  line(text: string, options: { size?: number; bold?: boolean; color?: Color; gap?: number } = {}): void {
    const size = options.size ?? 10;
    this.y -= size + (options.gap ?? 4);
    this.page.drawText(printable(text), {
      x: MARGIN,
      y: this.y,
      size,
      font: options.bold ? this.bold : this.regular,
      color: options.color ?? this.colors.text,
    });
  }

  /** A label on the left, its value right-aligned at the margin. */
  field(label: string, value: string): void {
    this.line(label);
    const text = printable(value);
    const width = this.bold.widthOfTextAtSize(text, 10);
    this.page.drawText(text, { x: PAGE.width - MARGIN - width, y: this.y, size: 10, font: this.bold });
  }

  rule(): void {
    this.y -= 8;
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: PAGE.width - MARGIN, y: this.y },
      thickness: 0.5,
      color: this.colors.muted,
    });
  }
}

export async function renderForm1099da(form: Form1099daData): Promise<Uint8Array<ArrayBuffer>> {
  // Loaded on the first download only: pdf-lib is megabytes of modules every other request would load for nothing.
  const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib');
  const grey = rgb(0.4, 0.4, 0.4);
  const doc = await PDFDocument.create();
  doc.setTitle(`Form 1099-DA ${form.taxYear}`);
  doc.setCreator(form.payer.name);
  doc.setCreationDate(new Date(form.generatedAt));
  const page = doc.addPage([PAGE.width, PAGE.height]);
  const fonts = [await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold)] as const;
  const w = new Writer(page, ...fonts, { text: rgb(0, 0, 0), muted: grey });

  w.line('Form 1099-DA', { size: 18, bold: true });
  w.line('Digital Asset Proceeds From Broker Transactions', { size: 12 });
  w.line(`Tax year ${form.taxYear} - Copy for the recipient`, { size: 11, gap: 8 });
  w.rule();

  w.line("PAYER'S name", { bold: true, gap: 10 });
  w.line(form.payer.name);
  w.line(`Account ${form.payer.tenantId}`, { color: grey });
  w.rule();

  w.line("RECIPIENT'S name, address and TIN", { bold: true, gap: 10 });
  const r = form.recipient;
  if (r) {
    w.line(r.name);
    w.line(r.address.street);
    w.line(`${r.address.city}, ${r.address.state} ${r.address.zip}`);
    w.line(r.address.country);
    w.field("RECIPIENT'S TIN", r.tin);
  } else {
    w.line('Not provided: the recipient has no tax profile', { color: grey });
  }
  w.rule();

  const f = form.figures;
  w.line('Sales of the year', { bold: true, gap: 10 });
  w.field('Description of digital asset', form.assetDescription);
  w.field('Number of transactions', String(f.transactionCount));
  w.field('Gross proceeds (USD, net of transaction costs)', formatDollars(f.totalProceeds));
  w.field('Sale price paid by buyers (USD)', formatDollars(f.grossSalesPrice));
  w.field('Transaction costs: venue royalties and platform fees (USD)', formatDollars(f.transactionCosts));
  w.field('Cost basis (USD)', formatDollars(f.totalCostBasis));
  w.field('Gain or (loss) (USD)', formatDollars(f.totalGain));
  w.rule();

  w.line(`Generated ${form.generatedAt.slice(0, 10)} by ${form.payer.name}.`, { size: 8, color: grey, gap: 10 });
  // A copy over a plain ArrayBuffer: what a Response body takes.
  return new Uint8Array(await doc.save());
}
