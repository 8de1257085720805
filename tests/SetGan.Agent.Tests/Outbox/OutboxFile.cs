using Microsoft.Data.Sqlite;

namespace SetGan.Agent.Tests.Outbox;

/// <summary>Reads an agent's outbox file from outside, read-only, as another process would: what it sees is committed.</summary>
internal static class OutboxFile
{
    public static List<T> Query<T>(string dataDir, string sql, Func<SqliteDataReader, T> row)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDir, "outbox.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var select = db.CreateCommand();
        select.CommandText = sql;
        using var reader = select.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(row(reader));
        return rows;
    }
}
