// Node's spec reporter, with the run's summary moved below the list of failing tests and a last
// line that counts cancelled tests (a hook that timed out, a crashed file) as not passed: the
// spec reporter alone prints "fail 0" above a list of cancelled tests.
import { Transform } from 'node:stream';
import { spec } from 'node:test/reporters';

const summaryLine = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(\.\d+)?)$/;

class SummaryLastReporter extends Transform {
  inner = spec();
  held = [];
  counts = {};
  /** Milliseconds of top-level tests per file: where the suite's time goes. */
  perFile = new Map();

  constructor() {
    super({ writableObjectMode: true });
  }

  /** The spec reporter answers synchronously through its callback. */
  render(event) {
    let text = '';
    this.inner._transform(event, 'utf8', (_error, out) => (text = out ?? ''));
    return text;
  }

  _transform(event, _encoding, callback) {
    const { file, nesting, details } = event.data ?? {};
    if ((event.type === 'test:pass' || event.type === 'test:fail') && nesting === 0 && file) {
      this.perFile.set(file, (this.perFile.get(file) ?? 0) + (details?.duration_ms ?? 0));
    }
    const match =
      event.type === 'test:diagnostic' &&
      event.data.nesting === 0 &&
      summaryLine.exec(event.data.message);
    if (match) {
      this.counts[match[1]] = Number(match[2]);
      this.held.push(event);
      callback();
      return;
    }
    callback(null, this.render(event));
  }

  _flush(callback) {
    this.inner._flush((_error, failing) => {
      const summary = this.held.map((event) => this.render(event)).join('');
      const { fail = 0, cancelled = 0, tests = 0 } = this.counts;
      const notPassed = fail + cancelled;
      const verdict = notPassed
        ? `\n✖ ${notPassed} of ${tests} tests did not pass (${fail} failed, ${cancelled} cancelled)\n`
        : `\n✔ all ${tests} tests passed\n`;
      callback(null, `${failing ?? ''}\n${summary}${this.slowest()}${verdict}`);
    });
  }

  /** The five slowest files, when there are more than five. */
  slowest() {
    if (this.perFile.size <= 5) return '';
    const cwd = `${process.cwd()}/`;
    const top = [...this.perFile].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const lines = top.map(([f, ms]) => `  ${(ms / 1000).toFixed(1)} s  ${f.replace(cwd, '')}`);
    return `ℹ slowest files:\n${lines.join('\n')}\n`;
  }
}

export default new SummaryLastReporter();
