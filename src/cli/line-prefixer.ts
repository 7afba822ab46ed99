/**
 * Foreground mode interleaves several processes' output on one terminal; each line gets its process name
 * so a reader can tell them apart. Partial lines are held until their newline arrives.
 */
export function createLinePrefixer(out: NodeJS.WritableStream): (name: string) => (chunk: Buffer) => void {
  return (name) => {
    let pending = '';
    const tag = `[${name}]`.padEnd(13);
    return (chunk) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) out.write(`${tag} ${line}\n`);
    };
  };
}
