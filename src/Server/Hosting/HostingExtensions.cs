namespace CoopAgent.Server.Hosting;

/// <summary>Wiring of the background work: following promoted policy versions and the retrain schedule.</summary>
public static class HostingExtensions
{
    public static IServiceCollection AddPolicyLifecycle(this IServiceCollection services)
    {
        services.AddHostedService<PolicyWatcher>();
        services.AddSingleton<IRetrainRunner, RetrainerRunner>();
        services.AddSingleton<ScheduledRetraining>();
        services.AddHostedService(sp => sp.GetRequiredService<ScheduledRetraining>());
        return services;
    }
}
