import { spawn } from 'node:child_process';

/**
 * The text and page count of a PDF, read back with pdf-parse v2 (pdf.js). pdf.js loads its worker with
 * a dynamic `import()`, which Jest's CommonJS sandbox refuses ("invoked without
 * --experimental-vm-modules"), so the parse runs in a plain Node child process: the PDF goes in on
 * stdin, `{ total, text }` comes back as JSON.
 */
export function readPdf(data: Buffer): Promise<{ total: number; text: string }> {
  const script = `
    const { PDFParse } = require('pdf-parse');
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', async () => {
      const parser = new PDFParse({ data: Buffer.concat(chunks) });
      try {
        const { total, text } = await parser.getText();
        process.stdout.write(JSON.stringify({ total, text }));
      } finally {
        await parser.destroy();
      }
    });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: __dirname, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(data);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`pdf-parse failed (${code}): ${err}`));
      resolve(JSON.parse(out) as { total: number; text: string });
    });
  });
}
