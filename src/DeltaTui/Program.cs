Console.WriteLine("deltatui: not yet wired");
