// Test-only: answers IAM verdicts from an independent evaluator, for the differential test.
// Reads one case per line on stdin (JSON: principal, action, resource, resourceAccount,
// context, identity, boundary, session, resourcePolicy), writes one line per case:
// {"verdict": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied", "ignored": [context keys
// it left out as not applying to the action]} or {"error": "..."}.
// Never shipped: the evaluator is AGPL and stays a test dependency in this folder.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    const c = JSON.parse(line)
    const simulation = {
      request: {
        principal: c.principal,
        action: c.action,
        resource: { resource: c.resource, accountId: c.resourceAccount },
        contextVariables: c.context ?? {}
      },
      identityPolicies: (c.identity ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: c.resourcePolicy ?? undefined,
      permissionBoundaryPolicies: c.boundary ? [{ name: 'boundary', policy: c.boundary }] : undefined,
      sessionPolicy: c.session ?? undefined
    }
    const result = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (result.resultType === 'error') {
      answer = { error: result.errors.message }
    } else {
      const ignored = result.resultType === 'single' ? result.result.ignoredContextKeys ?? [] : []
      answer = { verdict: result.overallResult, ignored }
    }
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
