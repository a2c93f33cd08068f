using System.Security.Cryptography;
using System.Text;
using LiteDB;

namespace CoopAgent.Server.Feedback;

/// <summary>
/// The only code that touches LiteDB: users, sessions, turns, feedback events and per-user beliefs in one
/// file. Every write goes through <see cref="Write{T}"/>, one lock for the whole database, because LiteDB
/// 5.0.20 can corrupt the file when two threads write to different collections at once. Dates are UTC.
/// </summary>
public sealed class FeedbackStore : IDisposable
{
    /// <summary>The file name inside the data folder.</summary>
    public const string FileName = "coopagent.db";

    private readonly LiteDatabase _database;
    private readonly Lock _writeGate = new();

    public FeedbackStore(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, FileName));
        _database = new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Direct }, UtcMapper());
        Write(() =>
        {
            Users.EnsureIndex(u => u.TokenHash, unique: true);
            Sessions.EnsureIndex(s => s.UserId);
            Turns.EnsureIndex(t => t.SessionId);
            Turns.EnsureIndex(t => t.UserId);
            Feedback.EnsureIndex(f => f.UserId);
            Feedback.EnsureIndex(f => f.TurnId);
            return true;
        });
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    private ILiteCollection<UserRecord> Users => _database.GetCollection<UserRecord>("users");

    private ILiteCollection<SessionRecord> Sessions => _database.GetCollection<SessionRecord>("sessions");

    private ILiteCollection<TurnRecord> Turns => _database.GetCollection<TurnRecord>("turns");

    private ILiteCollection<FeedbackRecord> Feedback => _database.GetCollection<FeedbackRecord>("feedback");

    private ILiteCollection<BeliefRecord> Beliefs => _database.GetCollection<BeliefRecord>("beliefs");

    /// <summary>Creates a pseudonymous user and returns it with its bearer token (shown once, stored hashed).</summary>
    public (UserRecord User, string Token) CreateUser()
    {
        var token = NewId(32);
        var user = new UserRecord { Id = "u-" + NewId(9), TokenHash = HashToken(token), CreatedUtc = DateTime.UtcNow };
        Write(() => Users.Insert(user));
        return (user, token);
    }

    /// <summary>The user a token belongs to, or null.</summary>
    public string? FindUserId(string token)
    {
        var hash = HashToken(token);
        return Users.FindOne(u => u.TokenHash == hash)?.Id;
    }

    public void AddSession(SessionRecord session) => Write(() => Sessions.Insert(session));

    public SessionRecord? GetSession(string id) => Sessions.FindById(id);

    public void AddTurn(TurnRecord turn) => Write(() => Turns.Insert(turn));

    /// <summary>The turn with this id if it belongs to <paramref name="userId"/>, else null (users never see each other's turns).</summary>
    public TurnRecord? GetTurn(string userId, string turnId)
    {
        var turn = Turns.FindById(turnId);
        return turn is not null && turn.UserId == userId ? turn : null;
    }

    public int CountTurns(string sessionId) => Turns.Count(t => t.SessionId == sessionId);

    /// <summary>Records feedback of one kind on a turn; a second call for the same user, turn and kind
    /// changes the earlier record instead of adding another.</summary>
    public FeedbackRecord SaveFeedback(string userId, string turnId, FeedbackKind kind, Action<FeedbackRecord> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        return Write(() =>
        {
            var now = DateTime.UtcNow;
            var record = Feedback.FindOne(f => f.UserId == userId && f.TurnId == turnId && f.Kind == kind)
                         ?? new FeedbackRecord { Id = NewId(12), UserId = userId, TurnId = turnId, Kind = kind, CreatedUtc = now };
            record.Rating = null;
            record.Choice = null;
            record.Ranks = null;
            record.Reason = null;
            record.Correction = null;
            fill(record);
            record.UpdatedUtc = now;
            Feedback.Upsert(record);
            return record;
        });
    }

    /// <summary>Deletes one of the user's own feedback records; false when there is no such record of theirs.</summary>
    public bool DeleteFeedback(string userId, string feedbackId) => Write(() =>
    {
        var record = Feedback.FindById(feedbackId);
        return record is not null && record.UserId == userId && Feedback.Delete(feedbackId);
    });

    /// <summary>The user's feedback, optionally on one turn only.</summary>
    public IReadOnlyList<FeedbackRecord> FeedbackOf(string userId, string? turnId = null) =>
        (turnId is null
            ? Feedback.Find(f => f.UserId == userId)
            : Feedback.Find(f => f.UserId == userId && f.TurnId == turnId))
        .OrderBy(f => f.CreatedUtc)
        .ToList();

    /// <summary>Every feedback record of one user (or of everyone when <paramref name="userId"/> is null)
    /// with its turn, oldest first, for the export.</summary>
    public IEnumerable<(FeedbackRecord Feedback, TurnRecord Turn)> FeedbackWithTurns(string? userId)
    {
        var records = (userId is null ? Feedback.FindAll() : Feedback.Find(f => f.UserId == userId))
            .OrderBy(f => f.CreatedUtc)
            .ToList();
        foreach (var record in records)
        {
            var turn = Turns.FindById(record.TurnId);
            if (turn is not null)
            {
                yield return (record, turn);
            }
        }
    }

    /// <summary>
    /// Every feedback record in the database file <paramref name="file"/> with its turn, oldest first, for
    /// <c>coopagent retrain</c>. The file is never modified: LiteDB is opened on a temporary copy (with its
    /// <c>-log</c> file, so writes a running server has not checkpointed are seen), because even a read-only
    /// LiteDB 5 connection rewrites a file it takes for new or rebuilds one it finds damaged.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a CoopAgent feedback database.</exception>
    public static IReadOnlyList<(FeedbackRecord Feedback, TurnRecord Turn)> ReadFeedbackLog(string file) =>
        ReadCopy(file, database =>
        {
            if (!database.GetCollectionNames().Contains("feedback", StringComparer.Ordinal))
            {
                return [];
            }

            var turns = database.GetCollection<TurnRecord>("turns");
            return database.GetCollection<FeedbackRecord>("feedback").FindAll()
                .OrderBy(f => f.CreatedUtc)
                .Select(f => (Feedback: f, Turn: turns.FindById(f.TurnId)))
                .Where(pair => pair.Turn is not null)
                .ToList();
        });

    /// <summary>Every session in the database file <paramref name="file"/> with its turns in order (for the population
    /// prior: which household, what the robot asked, what the person answered). Read like <see cref="ReadFeedbackLog"/>,
    /// from a temporary copy.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a CoopAgent feedback database.</exception>
    public static IReadOnlyList<(SessionRecord Session, IReadOnlyList<TurnRecord> Turns)> ReadSessionLog(string file) =>
        ReadCopy(file, database =>
        {
            var turns = database.GetCollection<TurnRecord>("turns").FindAll().ToLookup(t => t.SessionId, StringComparer.Ordinal);
            return database.GetCollection<SessionRecord>("sessions").FindAll()
                .OrderBy(s => s.StartedUtc)
                .Select(s => (s, (IReadOnlyList<TurnRecord>)turns[s.Id].OrderBy(t => t.Index).ToList()))
                .ToList();
        });

    private static T ReadCopy<T>(string file, Func<LiteDatabase, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"no such database file '{file}'", file);
        }

        if (!HasLiteDbHeader(file))
        {
            throw new InvalidDataException($"'{file}' is not a CoopAgent feedback database (not a LiteDB 5 file)");
        }

        var copy = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"coopagent-read-{Guid.NewGuid():N}.db");
        try
        {
            File.Copy(file, copy);
            var log = LogFileOf(file);
            if (File.Exists(log))
            {
                File.Copy(log, LogFileOf(copy));
            }

            using var database = new LiteDatabase(new ConnectionString { Filename = copy, Connection = ConnectionType.Direct }, UtcMapper());
            var names = database.GetCollectionNames().ToHashSet(StringComparer.Ordinal);
            if (!names.Contains("turns") || !names.Contains("users"))
            {
                throw new InvalidDataException($"'{file}' is a LiteDB file but not a CoopAgent feedback database (no users or turns)");
            }

            return read(database);
        }
        catch (Exception e) when (e is LiteException or InvalidCastException or FormatException)
        {
            throw new InvalidDataException($"'{file}' is not a CoopAgent feedback database: {e.Message}", e);
        }
        finally
        {
            File.Delete(copy);
            File.Delete(LogFileOf(copy));
        }
    }

    /// <summary>The stored belief state of a user, or null before their first session.</summary>
    public string? LoadBelief(string userId) => Beliefs.FindById(userId)?.State;

    public void SaveBelief(string userId, string state) =>
        Write(() => Beliefs.Upsert(new BeliefRecord { Id = userId, State = state, UpdatedUtc = DateTime.UtcNow }));

    public void Dispose() => _database.Dispose();

    /// <summary>The one write path: everything that changes the file runs under this lock.</summary>
    private T Write<T>(Func<T> write)
    {
        lock (_writeGate)
        {
            return write();
        }
    }

    /// <summary>LiteDB stores dates in UTC but hands them back as local time; this mapper keeps them UTC.</summary>
    private static BsonMapper UtcMapper()
    {
        var mapper = new BsonMapper();
        mapper.RegisterType(
            serialize: date => new BsonValue(date.ToUniversalTime()),
            deserialize: bson => bson.AsDateTime.ToUniversalTime());
        return mapper;
    }

    /// <summary>LiteDB 5 writes "** This is a LiteDB file **" at byte 32 of its 8 KiB header page, then the
    /// file version 8.</summary>
    private static bool HasLiteDbHeader(string file)
    {
        var header = new byte[60];
        using var stream = File.OpenRead(file);
        return stream.Length >= 8192
               && stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
               && header.AsSpan(32, 27).SequenceEqual("** This is a LiteDB file **"u8)
               && header[59] == 8;
    }

    /// <summary>LiteDB's write-ahead log beside a data file: <c>name-log.ext</c>.</summary>
    private static string LogFileOf(string file) =>
        System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(file) ?? "",
            System.IO.Path.GetFileNameWithoutExtension(file) + "-log" + System.IO.Path.GetExtension(file));

    private static string HashToken(string token) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string NewId(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
