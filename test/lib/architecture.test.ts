/// <reference types="node" />
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repeatedBlocks } from './duplicate-blocks';
import { checkLayers } from './import-layers';
import { ROOT, sourceFiles } from './source-files';

const tree = () => [...sourceFiles('src'), ...sourceFiles('durable-objects'), ...sourceFiles('test'), ...sourceFiles('dev')];

describe('layers', () => {
  it('the checker refuses src/domain importing src/db, an object, a provider or a platform package', () => {
    const text = [
      "import { withDb } from '../db/client';",
      "import type { PaymentSnapshot } from '../../durable-objects/payment/types';",
      "import { pspAdapter } from '../psp/registry';",
      "import { eventStub } from '../lib/stubs';",
      "import { DurableObject } from 'cloudflare:workers';",
      "import { sql } from 'drizzle-orm';",
      "import { Hono } from 'hono';",
      "import { calculateFees } from './fees';",
      "import { sha256Hex } from '../lib/crypto';",
    ].join('\n');
    const violations = checkLayers([{ path: 'src/domain/probe.ts', text }]);
    expect(violations.map((v) => v.specifier)).toEqual([
      '../db/client',
      '../../durable-objects/payment/types',
      '../psp/registry',
      '../lib/stubs',
      'cloudflare:workers',
      'drizzle-orm',
      'hono',
    ]);
    expect(new Set(violations.map((v) => v.rule))).toEqual(new Set(['domain-pure']));
  });

  it('the checker refuses an object importing a route, and anyone but index.ts and stubs.ts importing an object class', () => {
    const files = [
      { path: 'durable-objects/payment/probe.ts', text: "import { paymentRoutes } from '../../src/routes/payments';" },
      { path: 'src/services/probe.ts', text: "import type { PaymentDO } from '../../durable-objects/PaymentDO';" },
      { path: 'durable-objects/VenueDO.ts', text: "export { EventDO } from './EventDO';" },
      { path: 'src/index.ts', text: "export { PaymentDO } from '../durable-objects/PaymentDO';" },
      { path: 'src/lib/stubs.ts', text: "import type { VenueDO } from '../../durable-objects/VenueDO';" },
      { path: 'src/services/fine.ts', text: "import type { PaymentResult } from '../../durable-objects/payment/types';" },
    ];
    expect(checkLayers(files).map((v) => [v.file, v.rule])).toEqual([
      ['durable-objects/payment/probe.ts', 'objects-no-routes'],
      ['src/services/probe.ts', 'object-class'],
      ['durable-objects/VenueDO.ts', 'object-class'],
    ]);
  });

  it('the tree keeps the layers', () => {
    expect(checkLayers(tree())).toEqual([]);
  });

  describe("biome.json's noRestrictedImports states the same rules", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepay-layers-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const config = JSON.parse(readFileSync(path.join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
    // Outside the repository: no VCS, and the schema from this checkout.
    config.vcs = { enabled: false };
    config.$schema = path.join(ROOT, 'node_modules/@biomejs/biome/configuration_schema.json');
    writeFileSync(path.join(dir, 'biome.json'), JSON.stringify(config));
    const lint = (file: string, text: string) => {
      const at = path.join(dir, 'case', file);
      rmSync(path.join(dir, 'case'), { recursive: true, force: true });
      mkdirSync(path.dirname(at), { recursive: true });
      writeFileSync(at, text);
      cpSync(path.join(dir, 'biome.json'), path.join(dir, 'case', 'biome.json'));
      const run = spawnSync(path.join(ROOT, 'node_modules/.bin/biome'), ['lint', '--max-diagnostics=50', file], {
        cwd: path.join(dir, 'case'),
        encoding: 'utf8',
      });
      return { code: run.status, output: `${run.stdout}${run.stderr}` };
    };

    it('fails when src/domain imports src/db', () => {
      const result = lint('src/domain/probe.ts', "import { withDb } from '../db/client';\nexport const x = withDb;\n");
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('noRestrictedImports');
    });

    it('fails when a service imports an object class, passes for src/index.ts', () => {
      const text = "import { PaymentDO } from '../durable-objects/PaymentDO';\nexport const x = PaymentDO;\n";
      expect(lint('src/services/probe.ts', text).output).toContain('noRestrictedImports');
      expect(lint('src/index.ts', text).code).toBe(0);
    });
  });
});

describe('durable-objects/ has one copy of each block', () => {
  it('the checker finds a block of six identical lines repeated, across files or within one', () => {
    const block = ['a();', 'b();', '  c();', 'd();', '', 'e();', 'f();'].join('\n');
    const found = repeatedBlocks([
      { path: 'x.ts', text: `start();\n${block}\nend();\n` },
      { path: 'y.ts', text: `other();\n${block.replace('  c();', 'c();   ')}\n` },
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]?.at.map((a) => a.file)).toEqual(['x.ts', 'y.ts']);
    expect(repeatedBlocks([{ path: 'z.ts', text: `${block}\nmid();\n${block}\n` }])).toHaveLength(1);
    expect(
      repeatedBlocks([
        { path: 'x.ts', text: block },
        { path: 'y.ts', text: block.replace('f();', 'g();') },
      ]),
    ).toEqual([]);
  });

  it('the tree has none', () => {
    expect(repeatedBlocks(sourceFiles('durable-objects')).map((r) => ({ at: r.at, first: r.lines[0] }))).toEqual([]);
  });
});
