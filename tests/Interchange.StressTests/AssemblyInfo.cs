// Torture tests measure global counters (lock violations, long waits) and load both cores:
// run them one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
