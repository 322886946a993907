using Xunit;

// One test class at a time: the gradients our autograd functions return are released process-wide after
// backward() (ReturnedGradients), which is right for the app's single trainer but lets one test's release
// free the gradients of another test's backward pass while it is still running.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
