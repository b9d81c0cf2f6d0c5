// A dependency-free SVG bar chart of the benchmark results: parse time and peak memory per case and HTTP
// ingest throughput/latency per database; within a group the bars share one scale.
const COLORS = { mailroom: '#2563eb', bare: '#9ca3af', naive: '#f59e0b', framing: '#d1d5db', '½ rate p99': '#93c5fd' };

export function renderChart(results) {
  const groups = [
    ...results.parse.map((r) => ({
      title: `time: ${r.label}`,
      values: { mailroom: r.mailroomMs, bare: r.bareMs, naive: r.naiveMs },
      unit: 'ms',
    })),
    ...results.memory.map((r) => ({
      title: `peak RSS: ${r.label}`,
      values: { mailroom: r.mailroomPeakMB, bare: r.barePeakMB, naive: r.naivePeakMB },
      unit: 'MB',
    })),
    ...(results.extra.find((e) => e.id === 'ingest')?.results ?? []).flatMap((r) => [
      {
        title: `HTTP ingest throughput, ${r.database} (higher is better)`,
        values: { mailroom: r.mailroom.max.rps, bare: r.bare.max.rps },
        unit: 'req/s',
      },
      {
        title: `HTTP ingest p99 latency at half rate, ${r.database}`,
        values: { mailroom: r.mailroom.atHalf.p99, bare: r.bare.atHalf.p99 },
        unit: 'ms',
      },
    ]),
  ];
  const rowHeight = 22;
  const groupGap = 8;
  const width = 760;
  const labelWidth = 90;
  const barMax = width - labelWidth - 120;
  let y = 40;
  const parts = [
    `<text x="10" y="24" font-size="16" font-weight="bold">Mailroom bench — ${escape(results.startedAt)} (${escape(results.node)})</text>`,
  ];
  for (const group of groups) {
    const max = Math.max(...Object.values(group.values).map((v) => v || 0), 1e-9);
    parts.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${escape(group.title)}</text>`);
    y += 22;
    for (const [name, value] of Object.entries(group.values)) {
      const w = Math.max(1, ((value || 0) / max) * barMax);
      parts.push(`<text x="20" y="${y + 14}" font-size="12">${name}</text>`);
      parts.push(
        `<rect x="${labelWidth}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${COLORS[name] ?? '#6b7280'}"/>`,
      );
      parts.push(
        `<text x="${labelWidth + w + 6}" y="${y + 14}" font-size="12">${(value ?? 0).toFixed(2)} ${group.unit}</text>`,
      );
      y += rowHeight;
    }
    y += groupGap;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

function escape(text) {
  return String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
}
