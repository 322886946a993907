using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeltaTui.Core.Control;

/// <summary>
/// The control socket's wire format (docs/control-protocol.md): newline-delimited JSON objects, UTF-8, one per line.
/// Server to client: protocol messages whose "type" is lower case (<see cref="MessageTypes"/>) and events, which are
/// exactly the lines of metrics.jsonl (<see cref="Events.RunEventJson"/>; their "type" is a record name such as
/// "StepCompleted"). Client to server: commands, <c>{"v":1,"id":7,"command":"pause"}</c>, each answered by one "reply".
/// </summary>
public static class ControlProtocol
{
    /// <summary>Bumped on any change a version-1 client could misread; additions of fields or commands keep it.</summary>
    public const int Version = 1;

    /// <summary>The longest line a client may send (bytes, without the newline); a longer one ends the connection.</summary>
    public const int MaxCommandLineBytes = 64 * 1024;

    /// <summary>Where the socket, the lock and the pid live: a folder of the run folder that only the owner may enter (0700).</summary>
    public const string FolderName = "control";

    public const string SocketFileName = "control.sock";

    public const string LockFileName = "train.lock";

    public const string PidFileName = "train.pid";

    /// <summary>Linux's sun_path holds 108 bytes with the terminating zero.</summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>Protocol messages are written with this (readable quotes and non-ASCII, as metrics.jsonl's events aren't escaped more than JSON needs).</summary>
    internal static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ControlFolder(string runDirectory) => Path.Combine(runDirectory, FolderName);

    public static string SocketPath(string runDirectory) => Path.Combine(runDirectory, FolderName, SocketFileName);

    /// <summary>Parses one client line into a request; false with a message naming what is wrong. Never throws.</summary>
    public static bool TryParseRequest(string line, out ControlRequest? request, out string? error)
    {
        request = null;
        error = null;
        JsonObject? obj;
        try { obj = JsonNode.Parse(line) as JsonObject; }
        catch (JsonException e) { error = $"malformed JSON: {e.Message}"; return false; }
        if (obj is null) { error = "expected a JSON object such as {\"v\":1,\"id\":1,\"command\":\"pause\"}"; return false; }

        JsonNode? id = obj["id"]?.DeepClone();
        if (id is not null && id.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
        {
            error = "\"id\" must be a string or a number";
            return false;
        }
        request = new ControlRequest(null, id, "", null, null, null);
        if (obj["v"] is { } v)
        {
            if (v.GetValueKind() != JsonValueKind.Number || !v.AsValue().TryGetValue<int>(out var version))
            {
                error = "\"v\" must be an integer (the protocol version, 1)";
                return false;
            }
            if (version != Version)
            {
                error = $"protocol version {version} is not supported; this server speaks {Version}";
                return false;
            }
            request = request with { Version = version };
        }
        if (obj["command"] is not JsonValue commandValue || commandValue.GetValueKind() != JsonValueKind.String)
        {
            error = $"missing \"command\" (one of {string.Join(", ", ControlCommands.All)})";
            return false;
        }
        var command = commandValue.GetValue<string>();
        request = request with { Command = command };
        if (!ControlCommands.All.Contains(command))
        {
            error = $"unknown command \"{Truncate(command, 40)}\" (known: {string.Join(", ", ControlCommands.All)})";
            return false;
        }
        switch (command)
        {
            case ControlCommands.SetPerTensorIou:
                if (obj["enabled"] is not JsonValue e || e.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    error = "set_per_tensor_iou needs \"enabled\": true or false";
                    return false;
                }
                request = request with { Enabled = e.GetValue<bool>() };
                break;
            case ControlCommands.SetMaskInterval:
                if (obj["steps"] is not JsonValue s || s.GetValueKind() != JsonValueKind.Number || !s.TryGetValue<int>(out var steps) || steps < 1)
                {
                    error = "set_mask_interval needs \"steps\": an integer of at least 1";
                    return false;
                }
                request = request with { Steps = steps };
                break;
            case ControlCommands.Subscribe:
                if (obj["catch_up"] is { } c)
                {
                    if (c.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        error = "subscribe's \"catch_up\" must be true or false";
                        return false;
                    }
                    request = request with { CatchUp = c.GetValue<bool>() };
                }
                break;
        }
        return true;
    }

    public static string FormatRequest(ControlRequest request)
    {
        var obj = new JsonObject { ["v"] = Version };
        if (request.Id is not null) obj["id"] = request.Id.DeepClone();
        obj["command"] = request.Command;
        if (request.Enabled is { } enabled) obj["enabled"] = enabled;
        if (request.Steps is { } steps) obj["steps"] = steps;
        if (request.CatchUp is { } catchUp) obj["catch_up"] = catchUp;
        return obj.ToJsonString(Json);
    }

    public static string FormatReply(JsonNode? id, string command, string? refusal, JsonObject? extra = null)
    {
        var obj = new JsonObject { ["type"] = MessageTypes.Reply, ["v"] = Version, ["id"] = id?.DeepClone(), ["command"] = command, ["ok"] = refusal is null };
        if (refusal is not null) obj["error"] = refusal;
        if (extra is not null)
            foreach (var (key, value) in extra.ToList()) { extra.Remove(key); obj[key] = value; }
        return obj.ToJsonString(Json);
    }

    public static string FormatError(string message, JsonNode? id = null) =>
        new JsonObject { ["type"] = MessageTypes.Error, ["v"] = Version, ["id"] = id?.DeepClone(), ["error"] = message }.ToJsonString(Json);

    public static string FormatGoodbye(string reason) =>
        new JsonObject { ["type"] = MessageTypes.Goodbye, ["v"] = Version, ["reason"] = reason }.ToJsonString(Json);

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}

/// <summary>The "command" values a client may send.</summary>
public static class ControlCommands
{
    public const string SaveMasks = "save_masks";
    public const string Pause = "pause";
    public const string Resume = "resume";
    /// <summary>Stop and save: finish the step in flight, save masks, scores and a checkpoint, end the run.</summary>
    public const string Stop = "stop";
    public const string SetPerTensorIou = "set_per_tensor_iou";
    public const string SetMaskInterval = "set_mask_interval";
    /// <summary>Start the event stream on this connection (with "catch_up": the run so far first, from metrics.jsonl).</summary>
    public const string Subscribe = "subscribe";
    /// <summary>Where the run is (state, step, clients), in the reply; changes nothing.</summary>
    public const string Status = "status";

    public static readonly IReadOnlyList<string> All = [SaveMasks, Pause, Resume, Stop, SetPerTensorIou, SetMaskInterval, Subscribe, Status];

    /// <summary>Commands that act on the training (refused once the run has ended).</summary>
    public static bool Steers(string command) => command is SaveMasks or Pause or Resume or Stop or SetPerTensorIou or SetMaskInterval;
}

/// <summary>The lower-case "type" values of protocol messages (events use their record names).</summary>
public static class MessageTypes
{
    /// <summary>First line of every accepted connection: protocol version, run, pid, state, clients.</summary>
    public const string Hello = "hello";
    /// <summary>The answer to one command: "ok" true (accepted: acted on between steps) or false with "error".</summary>
    public const string Reply = "reply";
    /// <summary>The catch-up is complete: what follows is live.</summary>
    public const string CaughtUp = "caught_up";
    /// <summary>A line that could not be read as a command (malformed JSON, oversize, refused connection).</summary>
    public const string Error = "error";
    /// <summary>The server ends the connection (the run ended, or the process exits).</summary>
    public const string Goodbye = "goodbye";

    public static bool IsProtocol(string type) => type is Hello or Reply or CaughtUp or Error or Goodbye;
}

/// <param name="Id">Echoed in the reply (a string or a number), so a client can match replies to commands.</param>
public sealed record ControlRequest(int? Version, JsonNode? Id, string Command, bool? Enabled, int? Steps, bool? CatchUp);
