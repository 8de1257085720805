using SetGan.Cloud;

return await SetGanCommandLine.Build().Parse(args).InvokeAsync();
