// Package analyticstest checks that an analytics.SnapshotStore keeps the
// contract documented on the interface. Every implementation (the memory
// store in package analytics, the SQL stores in package store) runs
// RunSnapshotStore from its own tests, as io/fs implementations run
// testing/fstest.TestFS.
package analyticstest
