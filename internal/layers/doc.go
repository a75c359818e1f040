// Package layers holds the test that keeps rapport's packages in their
// layers (DESIGN.md): imports point down only, adapters depend on nothing
// but the shared vocabulary and the HTTP stack, and the core packages never
// compile a SQL driver or the job engine.
package layers
