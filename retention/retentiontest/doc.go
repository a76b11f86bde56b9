// Package retentiontest is the conformance suite for retention.Store
// implementations, with fakes (clock, audit recorder, shredder, notifier)
// for tests of code that uses the retention package.
//
// A store's test calls [Run] with a function that returns a new, empty store
// for each subtest:
//
//	func TestConformance(t *testing.T) {
//		retentiontest.Run(t, func(t *testing.T) retention.Store {
//			return newStore(t)
//		})
//	}
//
// The suite checks the store contract: idempotent registration and purge,
// disjoint concurrent batches, holds, notices, shredding, evidence delivery
// and plans. It then runs the runner over the store on a fake clock through
// the exact due boundary, downtime, daily restarts, three concurrent
// runners, a run cancelled mid-batch, daylight-saving changes, holds and
// notices.
package retentiontest
