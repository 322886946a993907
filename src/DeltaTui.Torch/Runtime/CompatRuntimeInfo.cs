namespace DeltaTui.Torch.Runtime;

/// <summary>Whether this process runs on the private C/C++ runtime that scripts/torch-runtime.sh prepares for older systems.</summary>
/// <param name="InUse">The process was started by the patched host.</param>
/// <param name="Directory">The compat cache folder, from DELTATUI_COMPAT, or null.</param>
/// <param name="LoaderPath">The dynamic loader this process runs under.</param>
/// <param name="LibStdCxxPath">The C++ runtime this process loaded.</param>
/// <param name="GlibcVersion">The C runtime's version.</param>
public sealed record CompatRuntimeInfo(bool InUse, string? Directory, string? LoaderPath, string? LibStdCxxPath, string GlibcVersion);
