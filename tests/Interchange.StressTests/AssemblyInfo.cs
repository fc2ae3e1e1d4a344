// Torture tests load both cores:
// run them one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
