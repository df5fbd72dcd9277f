/** A metric family of the Prometheus text exposition format (what prom-client serves). */
export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(n|\\|")/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  for (let m = re.exec(text); m; m = re.exec(text)) labels[m[1]] = unescapeLabel(m[2]);
  return labels;
}

/**
 * Parses the text format: `# HELP`, `# TYPE` and sample lines (`name{a="b"} 1 [timestamp]`). Samples are
 * attached to the family whose TYPE line precedes them (`x_bucket`, `x_sum`, `x_count` to `x`).
 */
export function parseMetricsText(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  let current: MetricFamily | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
    if (meta) {
      current = family(meta[2]);
      if (meta[1] === 'TYPE') current.type = meta[3].trim();
      else current.help = meta[3];
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!sample) throw new Error(`Unparseable metrics line: ${line}`);
    const [, name, , labels, value] = sample;
    const owner =
      current && (name === current.name || name.startsWith(`${current.name}_`)) ? current : family(name);
    owner.samples.push({ name, labels: labels ? parseLabels(labels) : {}, value: Number(value) });
  }
  return [...families.values()];
}
