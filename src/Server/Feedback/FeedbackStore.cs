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

    private static string HashToken(string token) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string NewId(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
