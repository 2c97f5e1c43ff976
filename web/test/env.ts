// What the C++ harness (tests/integration/web_test.cc) passes to the Node tests: the
// address of a real casesd's HTTP listener, tenants and tokens of its world.
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (run through web_test)`);
  return value;
}
