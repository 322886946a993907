namespace DeltaTui.Training.Data;

/// <summary>Cuts a tokenised pair to max_length; see <see cref="TruncationMode"/> for the two policies.</summary>
internal static class PairTruncation
{
    /// <returns>The cut pair, or null when the prompt alone reaches max_length (nothing would be left to score).</returns>
    public static TruncatedIds? Apply(int[] prompt, int[] chosen, int[] rejected, int maxLength, TruncationMode mode)
    {
        if (prompt.Length >= maxLength) return null;
        var longest = Math.Max(chosen.Length, rejected.Length);
        if (prompt.Length + longest <= maxLength) return new TruncatedIds(prompt, chosen, rejected, Truncated: false);

        if (mode == TruncationMode.KeepEnd)
        {
            // One cut for both completions keeps the prompt shared; one token stays so the first completion token has context.
            var cut = Math.Min(prompt.Length + longest - maxLength, prompt.Length - 1);
            prompt = prompt[cut..];
        }

        var room = maxLength - prompt.Length;
        return new TruncatedIds(prompt, Keep(chosen, room), Keep(rejected, room), Truncated: true);
    }

    private static int[] Keep(int[] ids, int count) => ids.Length <= count ? ids : ids[..count];
}
