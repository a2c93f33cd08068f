namespace CoopAgent.Server.Sessions;

/// <summary>Finds the policy folder: an absolute path as given; a relative one in the current directory,
/// then in the repository root above it (the folder with <c>CoopAgent.sln</c>), then next to the program.</summary>
public static class PolicyLocator
{
    /// <summary>The full path of an existing policy folder, or null when there is none.</summary>
    public static string? Find(string policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        if (Path.IsPathRooted(policy))
        {
            return Directory.Exists(policy) ? Path.GetFullPath(policy) : null;
        }

        var roots = new List<string> { Directory.GetCurrentDirectory() };
        roots.AddRange(RepositoryRoots(Directory.GetCurrentDirectory()));
        roots.AddRange(RepositoryRoots(AppContext.BaseDirectory));
        roots.Add(AppContext.BaseDirectory);
        return roots.Select(r => Path.GetFullPath(Path.Combine(r, policy))).FirstOrDefault(Directory.Exists);
    }

    private static IEnumerable<string> RepositoryRoots(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "CoopAgent.sln")))
            {
                yield return folder.FullName;
            }
        }
    }
}
