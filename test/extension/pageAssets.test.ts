import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inlinePageAssets } from '../../extension/views/pageAssets';
import { webviewHtml } from '../../extension/webviewHtml';

describe('extension/views/pageAssets', () => {
  it('reads the bundle and stylesheets from dist, drops the source-map comment, and sees a rebuild', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-assets-'));
    try {
      fs.writeFileSync(path.join(dir, 'w.js'), '"use strict";\nrun();\n//# sourceMappingURL=w.js.map\n');
      fs.writeFileSync(path.join(dir, 'w.css'), 'body { margin: 0; }\n');
      const a = inlinePageAssets(dir, 'w.js', ['w.css']);
      assert.equal(a.script, '"use strict";\nrun();\n');
      assert.deepEqual(a.styles, ['body { margin: 0; }\n']);
      // A rebuild (other size) is read again.
      fs.writeFileSync(path.join(dir, 'w.js'), '"use strict";\nrunAgain();\n');
      assert.equal(inlinePageAssets(dir, 'w.js', []).script, '"use strict";\nrunAgain();\n');
      assert.throws(() => inlinePageAssets(dir, 'missing.js', []), /cannot read .*missing\.js .*run the build/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the built webview bundle and stylesheet can be inlined into a page', (t) => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    if (!fs.existsSync(path.join(dist, 'webview.js'))) {
      t.skip('dist/webview.js is not built (npm run build)');
      return;
    }
    const html = webviewHtml({ view: 'training', cspSource: 'x:', ...inlinePageAssets(dist, 'webview.js', ['webview.css']) });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.equal((html.match(/<\/script>/g) ?? []).length, 1);
  });
});
