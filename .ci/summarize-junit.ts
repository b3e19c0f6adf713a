/**
 * Prints "N passed, N failed[, N skipped]" from a JUnit XML report and exits 1 when any test
 * failed or the report is missing. A test case counts as failed when it contains a <failure>
 * or <error> element, and as skipped when it contains <skipped>.
 */
const path = process.argv[2] ?? "test-results/junit.xml";
const file = Bun.file(path);
if (!(await file.exists())) {
  console.log(`ci: no test report at ${path}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const xml = await file.text();
let passed = 0;
let failed = 0;
let skipped = 0;
const testCase = /<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
for (const match of xml.matchAll(testCase)) {
  const inner = match[2] ?? "";
  if (/<(failure|error)\b/.test(inner)) failed++;
  else if (/<skipped\b/.test(inner)) skipped++;
  else passed++;
}

// A run that stopped before writing cases (e.g. a file failed to load) reports it at the top.
const topLevelFailures = /<testsuites\b[^>]*\bfailures="(\d+)"/.exec(xml);
if (passed + failed === 0 || (topLevelFailures && Number(topLevelFailures[1]) > failed)) {
  failed = Math.max(failed, Number(topLevelFailures?.[1] ?? 1));
}

const tail = skipped > 0 ? `, ${skipped} skipped` : "";
console.log(`${passed} passed, ${failed} failed${tail}`);
process.exit(failed > 0 ? 1 : 0);
