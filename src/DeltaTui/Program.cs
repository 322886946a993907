using DeltaTui.Cli;

return await DeltaTuiCli.RunAsync(args, Console.Out, Console.Error);
