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
      callback(null, `${failing ?? ''}\n${summary}${verdict}`);
    });
  }
}

export default new SummaryLastReporter();
