using AgentGuard.Gateway;

// dotnet run --project src/AgentGuard.Gateway [--Gateway:Routes:openai:ApiKey=...]: the configuration is appsettings.json
// beside the binary, then AGENTGUARD_GATEWAY_CONFIG (a JSON file), then the environment and the command line.
await using var app = GatewayApp.Create(args);
await app.RunAsync().ConfigureAwait(false);
