#nullable enable
// What Windows PowerShell 5.1 cannot run although PowerShell 7 (the pwsh our tests use) can: syntax, tokens,
// commands, cmdlet parameters, encoding names and defaults. The language facts are WINDOWS_FACTS PS51-3 to PS51-6;
// the commands, parameters and variables come with their sources from data/Ps51.psd1.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace MtlsPsStatic
{
    internal static class Ps51Rules
    {
        private static readonly Regex NumberLiteral = new Regex(
            @"^(?<body>0x[0-9a-f]+|0b[01]+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(?<suffix>[a-z]*)$", RegexOptions.IgnoreCase);
        private static readonly Regex Multiplier = new Regex("(kb|mb|gb|tb|pb)$", RegexOptions.IgnoreCase);

        public static void Check(FileUnit unit, RuleData data)
        {
            Syntax(unit);
            Tokens(unit);
            Variables(unit, data);
            Commands(unit, data);
            FileEncoding(unit, data);
        }

        private static void Syntax(FileUnit unit)
        {
            const string Ps7 = "Windows PowerShell 5.1 cannot parse it (PowerShell 7 syntax)";
            foreach (var node in unit.Nodes)
            {
                switch (node)
                {
                    case TernaryExpressionAst ternary:
                        unit.Report("ps51.ternary", ternary.Extent, AstUtil.Where(ternary) + AstUtil.Short(ternary.Extent.Text),
                            "ternary operator ?: : " + Ps7 + "; write if/else");
                        break;
                    case BinaryExpressionAst binary when binary.Operator == TokenKind.QuestionQuestion:
                        unit.Report("ps51.null-coalescing", binary.ErrorPosition, AstUtil.Where(binary) + AstUtil.Short(binary.Extent.Text),
                            "operator ?? : " + Ps7 + "; write if ($null -eq ...)");
                        break;
                    case BinaryExpressionAst binary when (binary.Operator == TokenKind.Ireplace || binary.Operator == TokenKind.Creplace)
                            && binary.Right is ArrayLiteralAst pair && pair.Elements.Count == 2 && pair.Elements[1] is ScriptBlockExpressionAst:
                        unit.Report("ps51.replace-scriptblock", binary.Extent, AstUtil.Where(binary) + AstUtil.Short(binary.Extent.Text),
                            "-replace with a script block substitution is PowerShell 6.1+; 5.1 inserts the script block's text. Use [regex]::Replace with a MatchEvaluator");
                        break;
                    case AssignmentStatementAst assignment when assignment.Operator == TokenKind.QuestionQuestionEquals:
                        unit.Report("ps51.null-coalescing", assignment.ErrorPosition, AstUtil.Where(assignment) + AstUtil.Short(assignment.Extent.Text),
                            "operator ??= : " + Ps7 + "; write if ($null -eq ...)");
                        break;
                    case MemberExpressionAst member when member.NullConditional:
                        unit.Report("ps51.null-conditional", member.Extent, AstUtil.Where(member) + AstUtil.Short(member.Extent.Text),
                            "operator ?. : " + Ps7 + "; test for $null first");
                        break;
                    case IndexExpressionAst index when index.NullConditional:
                        unit.Report("ps51.null-conditional", index.Extent, AstUtil.Where(index) + AstUtil.Short(index.Extent.Text),
                            "operator ?[] : " + Ps7 + "; test for $null first");
                        break;
                    case PipelineChainAst chain when !(chain.Parent is PipelineChainAst):
                        unit.Report("ps51.pipeline-chain", chain.Extent, AstUtil.Where(chain) + AstUtil.Short(chain.Extent.Text),
                            "pipeline chain operators && and || : " + Ps7 + "; use if ($?) or try/catch");
                        break;
                    case PipelineAst pipeline when pipeline.Background:
                        unit.Report("ps51.background-operator", pipeline.Extent, AstUtil.Where(pipeline) + AstUtil.Short(pipeline.Extent.Text),
                            "background operator & : " + Ps7 + "; use Start-Job");
                        break;
                    case ScriptBlockAst block when block.CleanBlock != null:
                        unit.Report("ps51.clean-block", block.CleanBlock!.Extent, AstUtil.Where(block.CleanBlock!) + "clean",
                            "clean block (PowerShell 7.3): " + Ps7 + "; use try/finally in the end block");
                        break;
                }
            }
        }

        private static IEnumerable<Token> Flatten(IEnumerable<Token> tokens)
        {
            foreach (var token in tokens)
            {
                yield return token;
                if (token is StringExpandableToken expandable && expandable.NestedTokens != null)
                {
                    foreach (var nested in Flatten(expandable.NestedTokens))
                    {
                        yield return nested;
                    }
                }
            }
        }

        private static void Tokens(FileUnit unit)
        {
            foreach (var token in Flatten(unit.Tokens))
            {
                switch (token.Kind)
                {
                    case TokenKind.StringExpandable:
                    case TokenKind.HereStringExpandable:
                    case TokenKind.Generic:
                        EscapeSequences(unit, token);
                        break;
                    case TokenKind.Number:
                        NumberSuffix(unit, token);
                        break;
                }
            }
        }

        private static void EscapeSequences(FileUnit unit, Token token)
        {
            var text = token.Text;
            for (int i = 0; i + 1 < text.Length; i++)
            {
                if (text[i] != '`')
                {
                    continue;
                }
                char next = text[i + 1];
                if (next == 'e')
                {
                    unit.Report("ps51.escape-sequence", token.Extent, "`e in " + AstUtil.Short(text),
                        "escape `e (ESC) is PowerShell 6+; Windows PowerShell 5.1 reads it as the letter e. Use [char]27");
                }
                else if (next == 'u' && i + 2 < text.Length && text[i + 2] == '{')
                {
                    unit.Report("ps51.escape-sequence", token.Extent, "`u{} in " + AstUtil.Short(text),
                        "escape `u{...} is PowerShell 6+; Windows PowerShell 5.1 reads it as the text u{...}. Use [char]0x....");
                }
                i++;
            }
        }

        private static void NumberSuffix(FileUnit unit, Token token)
        {
            var match = NumberLiteral.Match(token.Text);
            if (!match.Success)
            {
                return;
            }
            var body = match.Groups["body"].Value;
            var suffix = Multiplier.Replace(match.Groups["suffix"].Value, "");
            if (body.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            {
                unit.Report("ps51.numeric-literal", token.Extent, token.Text,
                    "binary literal " + token.Text + " is PowerShell 7+; Windows PowerShell 5.1 cannot parse it. Write it in hexadecimal");
            }
            else if (suffix.Length > 0 && !suffix.Equals("l", StringComparison.OrdinalIgnoreCase) && !suffix.Equals("d", StringComparison.OrdinalIgnoreCase))
            {
                unit.Report("ps51.numeric-literal", token.Extent, token.Text,
                    "type suffix '" + suffix + "' of " + token.Text + " is PowerShell 6.2+ (only l and d exist in 5.1); cast instead, e.g. [byte]1");
            }
        }

        private static void Variables(FileUnit unit, RuleData data)
        {
            foreach (var variable in unit.All<VariableExpressionAst>())
            {
                var name = AstUtil.VariableName(variable);
                if (data.Ps7Variables.TryGetValue(name, out var note))
                {
                    unit.Report("ps51.automatic-variable", variable.Extent, AstUtil.Where(variable) + "$" + name,
                        "$" + name + " does not exist in Windows PowerShell 5.1 (" + note + ")");
                }
            }
        }

        private static void Commands(FileUnit unit, RuleData data)
        {
            foreach (var command in unit.All<CommandAst>())
            {
                var written = command.GetCommandName();
                if (written == null || unit.KnownFunctions.Contains(written))
                {
                    continue;
                }
                var cmdlet = data.ResolveAlias(written);
                if (data.Ps7Commands.TryGetValue(cmdlet, out var note))
                {
                    unit.Report("ps51.command", command.Extent, AstUtil.Where(command) + cmdlet,
                        cmdlet + " does not exist in Windows PowerShell 5.1 (" + note + ")");
                }
                foreach (var pair in AstUtil.ParametersWithSplats(command, out _))
                {
                    var parameter = ResolveParameter(data, cmdlet, pair.Key);
                    if (parameter != null && data.Ps7Parameters.TryGetValue(cmdlet, out var table) && table.TryGetValue(parameter, out var added))
                    {
                        unit.Report("ps51.parameter", command.Extent, AstUtil.Where(command) + cmdlet + " -" + parameter,
                            cmdlet + " -" + parameter + " does not exist in Windows PowerShell 5.1 (" + added + ")");
                    }
                    if (parameter != null && parameter.Equals("Encoding", StringComparison.OrdinalIgnoreCase))
                    {
                        EncodingName(unit, data, command, cmdlet, pair.Value);
                    }
                }
            }
        }

        /// <summary>
        /// The parameter a written name binds to, by PowerShell's rules (exact name or alias, else an unambiguous
        /// prefix), against the parameters the running pwsh reports for the cmdlet.
        /// </summary>
        private static string? ResolveParameter(RuleData data, string cmdlet, string written)
        {
            if (!data.CmdletParameters.TryGetValue(cmdlet, out var parameters))
            {
                if (written.StartsWith("enc", StringComparison.OrdinalIgnoreCase) && "Encoding".StartsWith(written, StringComparison.OrdinalIgnoreCase))
                {
                    return "Encoding";
                }
                return data.Ps7Parameters.TryGetValue(cmdlet, out var table) && table.ContainsKey(written) ? written : null;
            }
            foreach (var names in parameters)
            {
                if (names.Any(n => n.Equals(written, StringComparison.OrdinalIgnoreCase)))
                {
                    return names[0];
                }
            }
            var candidates = parameters.Where(n => n[0].StartsWith(written, StringComparison.OrdinalIgnoreCase)).Select(n => n[0]).ToList();
            if (candidates.Count == 1)
            {
                return candidates[0];
            }
            // Ambiguous in PowerShell 7; if every candidate is new, 5.1 cannot bind it either.
            if (candidates.Count > 1 && data.Ps7Parameters.TryGetValue(cmdlet, out var added) && candidates.All(added.ContainsKey))
            {
                return candidates[0];
            }
            return null;
        }

        private static void EncodingName(FileUnit unit, RuleData data, CommandAst command, string cmdlet, Ast? argument)
        {
            var value = AstUtil.ConstantText(argument);
            if (value == null || data.Ps51Encodings.Contains(value))
            {
                return;
            }
            unit.Report("ps51.encoding", argument!.Extent, AstUtil.Where(command) + cmdlet + " -Encoding " + value,
                "-Encoding " + value + " is not an encoding name of Windows PowerShell 5.1 (" + string.Join(", ", data.Ps51Encodings.OrderBy(e => e)) + ")");
        }

        /// <summary>
        /// Files written without an explicit encoding differ: 5.1 writes UTF-16LE (Out-File, >, >>) or ANSI (Set-Content,
        /// Add-Content), PowerShell 7 UTF-8 without BOM; -Encoding UTF8 writes a BOM on 5.1 only. WINDOWS_FACTS PS51-6.
        /// </summary>
        private static void FileEncoding(FileUnit unit, RuleData data)
        {
            foreach (var command in unit.All<CommandAst>())
            {
                var written = command.GetCommandName();
                if (written == null || unit.KnownFunctions.Contains(written))
                {
                    continue;
                }
                var cmdlet = data.ResolveAlias(written);
                bool writes = data.FileWritingCmdlets.Contains(cmdlet);
                if (!writes && !data.FileReadingCmdlets.Contains(cmdlet))
                {
                    continue;
                }
                var parameters = AstUtil.ParametersWithSplats(command, out bool unknownSplat);
                var encoding = parameters.FirstOrDefault(p => ResolveParameter(data, cmdlet, p.Key) == "Encoding");
                if (encoding.Key == null)
                {
                    if (!unknownSplat)
                    {
                        unit.Report("ps51.file-encoding", command.Extent, AstUtil.Where(command) + cmdlet, writes
                            ? cmdlet + " without -Encoding writes UTF-16LE or ANSI on Windows PowerShell 5.1 and UTF-8 on PowerShell 7; give -Encoding or write bytes with [System.IO.File]"
                            : cmdlet + " without -Encoding reads a file without BOM as the ANSI code page on Windows PowerShell 5.1 and as UTF-8 on PowerShell 7; give -Encoding");
                    }
                }
                else if (!writes)
                {
                    continue;
                }
                else if (string.Equals(AstUtil.ConstantText(encoding.Value), "utf8", StringComparison.OrdinalIgnoreCase))
                {
                    unit.Report("ps51.file-encoding", command.Extent, AstUtil.Where(command) + cmdlet + " -Encoding UTF8",
                        cmdlet + " -Encoding UTF8 writes a byte order mark on Windows PowerShell 5.1 and none on PowerShell 7; write bytes with [System.IO.File]::WriteAllText(path, text, (New-Object System.Text.UTF8Encoding $false))");
                }
            }
            foreach (var redirection in unit.All<FileRedirectionAst>())
            {
                if (redirection.Location is VariableExpressionAst target && AstUtil.VariableName(target).Equals("null", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                unit.Report("ps51.file-encoding", redirection.Extent, AstUtil.Where(redirection) + AstUtil.Short(redirection.Extent.Text),
                    "redirection to a file writes UTF-16LE on Windows PowerShell 5.1 and UTF-8 on PowerShell 7; use Set-Content -Encoding or [System.IO.File]");
            }
        }
    }
}
