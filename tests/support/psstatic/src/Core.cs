#nullable enable
// One file under analysis, the findings it collects, the rule data handed over from the .psd1 files, and AST helpers.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MtlsPsStatic
{
    public sealed class Finding
    {
        public string Rule { get; set; } = "";
        public int Line { get; set; }
        public int Column { get; set; }
        /// <summary>What the finding is about, stable across unrelated edits (a baseline names findings by rule and subject).</summary>
        public string Subject { get; set; } = "";
        public string Message { get; set; } = "";
    }

    /// <summary>The rule tables of data/*.psd1 plus what the running pwsh knows (cmdlet parameters, aliases).</summary>
    public sealed class RuleData
    {
        public readonly Dictionary<string, string> Ps7Commands;
        public readonly Dictionary<string, Dictionary<string, string>> Ps7Parameters;
        public readonly Dictionary<string, string> Ps7Variables;
        public readonly HashSet<string> Ps51Encodings;
        public readonly HashSet<string> FileWritingCmdlets;
        public readonly HashSet<string> FileReadingCmdlets;
        public readonly Dictionary<string, string> Ps51Accelerators;
        public readonly Dictionary<string, string> Aliases;
        public readonly Dictionary<string, List<string[]>> CmdletParameters;
        public readonly List<KeyValuePair<string, string>> AllowedTypePrefixes;
        public readonly Dictionary<string, HashSet<string>> VoidMethods;
        public readonly HashSet<string> IntrinsicMembers;
        public readonly Dictionary<string, HashSet<string>> ExtendedMembers;
        public readonly HashSet<string> ApprovedVerbs;
        public readonly HashSet<string> SecretWords;
        public readonly HashSet<string> QuietCommands;

        public RuleData(IDictionary data)
        {
            var ps51 = Section(data, "Ps51");
            var netfx = Section(data, "NetFx");
            var lint = Section(data, "Lint");
            var runtime = Section(data, "Runtime");
            Ps7Commands = Map(ps51, "Commands");
            Ps7Parameters = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in Section(ps51, "Parameters"))
            {
                Ps7Parameters[(string)entry.Key] = Map((IDictionary)Unwrap(entry.Value)!);
            }
            Ps7Variables = Map(ps51, "Variables");
            Ps51Encodings = Set(ps51, "Encodings");
            FileWritingCmdlets = Set(ps51, "FileWritingCmdlets");
            FileReadingCmdlets = Set(ps51, "FileReadingCmdlets");
            Ps51Accelerators = Map(ps51, "Accelerators");
            Aliases = Map(ps51, "WindowsAliases");
            foreach (var pair in Map(runtime, "Aliases"))
            {
                Aliases[pair.Key] = pair.Value;
            }
            CmdletParameters = new Dictionary<string, List<string[]>>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in Section(runtime, "CmdletParameters"))
            {
                CmdletParameters[(string)entry.Key] = Strings(entry.Value).Select(p => p.Split('|')).ToList();
            }
            AllowedTypePrefixes = new List<KeyValuePair<string, string>>();
            foreach (var item in Items(netfx["AllowedTypes"]))
            {
                var allowed = (IDictionary)Unwrap(item)!;
                AllowedTypePrefixes.Add(new KeyValuePair<string, string>((string)allowed["Prefix"]!, (string)allowed["Reason"]!));
            }
            VoidMethods = SetMap(netfx, "VoidMethods");
            IntrinsicMembers = Set(netfx, "IntrinsicMembers");
            ExtendedMembers = SetMap(netfx, "ExtendedMembers");
            ApprovedVerbs = new HashSet<string>(Strings(lint["ApprovedVerbs"]), StringComparer.Ordinal);
            SecretWords = Set(lint, "SecretWords");
            QuietCommands = Set(lint, "QuietCommands");
        }

        public string ResolveAlias(string name)
        {
            return Aliases.TryGetValue(name, out var cmdlet) ? cmdlet : name;
        }

        // Values that went through the PowerShell pipeline arrive wrapped in a PSObject.
        private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        private static IDictionary Section(IDictionary data, string key)
        {
            return Unwrap(data[key]) as IDictionary ?? throw new ArgumentException("rule data has no section " + key);
        }

        private static IEnumerable<object?> Items(object? value)
        {
            value = Unwrap(value);
            if (value is string || value is null)
            {
                return value is null ? Array.Empty<object?>() : new object?[] { value };
            }
            return ((IEnumerable)value).Cast<object?>().Select(Unwrap);
        }

        private static IEnumerable<string> Strings(object? value) => Items(value).Select(v => v?.ToString() ?? "");

        private static HashSet<string> Set(IDictionary data, string key) =>
            new HashSet<string>(Strings(data[key]), StringComparer.OrdinalIgnoreCase);

        private static Dictionary<string, string> Map(IDictionary data, string key) => Map(Section(data, key));

        private static Dictionary<string, string> Map(IDictionary data)
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in data)
            {
                map[(string)entry.Key] = Unwrap(entry.Value)?.ToString() ?? "";
            }
            return map;
        }

        private static Dictionary<string, HashSet<string>> SetMap(IDictionary data, string key)
        {
            var map = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in Section(data, key))
            {
                map[(string)entry.Key] = new HashSet<string>(Strings(entry.Value), StringComparer.OrdinalIgnoreCase);
            }
            return map;
        }
    }

    public sealed class FileUnit
    {
        public string Name = "";
        public ScriptBlockAst Ast;
        public Token[] Tokens;
        public ParseError[] Errors;
        public List<Ast> Nodes;
        public HashSet<string> Checks;
        public List<string> DocumentedSecrets = new List<string>();
        public readonly List<Finding> Findings = new List<Finding>();
        /// <summary>Functions defined anywhere in the request (the collection's own commands).</summary>
        public HashSet<string> KnownFunctions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>The one type a function of the request declares with [OutputType()], by function name.</summary>
        public Dictionary<string, ITypeName> FunctionOutputTypes = new Dictionary<string, ITypeName>(StringComparer.OrdinalIgnoreCase);
        public readonly Dictionary<string, int> Stats = new Dictionary<string, int>();

        public FileUnit(string name, ScriptBlockAst ast, Token[] tokens, ParseError[] errors, IEnumerable<string> checks)
        {
            Name = name;
            Ast = ast;
            Tokens = tokens;
            Errors = errors;
            Nodes = ast.FindAll(_ => true, true).ToList();
            Checks = new HashSet<string>(checks, StringComparer.OrdinalIgnoreCase);
        }

        public IEnumerable<T> All<T>() where T : Ast => Nodes.OfType<T>();

        public void Report(string rule, IScriptExtent extent, string subject, string message)
        {
            Findings.Add(new Finding
            {
                Rule = rule,
                Line = extent.StartLineNumber,
                Column = extent.StartColumnNumber,
                Subject = subject,
                Message = message,
            });
        }

        public void Count(string stat, int increment = 1)
        {
            Stats.TryGetValue(stat, out var value);
            Stats[stat] = value + increment;
        }
    }

    internal static class AstUtil
    {
        public static FunctionDefinitionAst? EnclosingFunction(Ast ast)
        {
            for (var parent = ast.Parent; parent != null; parent = parent.Parent)
            {
                if (parent is FunctionDefinitionAst function)
                {
                    return function;
                }
            }
            return null;
        }

        /// <summary>The function whose body holds the node, or the file's script block: the scope of its variables.</summary>
        public static Ast ScopeOwner(Ast ast)
        {
            Ast? owner = EnclosingFunction(ast);
            if (owner != null)
            {
                return owner;
            }
            var root = ast;
            while (root.Parent != null)
            {
                root = root.Parent;
            }
            return root;
        }

        public static string Short(string text, int max = 60)
        {
            var line = text.Replace("\r", "").Split('\n')[0].Trim();
            return line.Length <= max ? line : line.Substring(0, max) + "...";
        }

        public static string FunctionName(FunctionDefinitionAst function)
        {
            var name = function.Name;
            int colon = name.IndexOf(':');
            return colon >= 0 ? name.Substring(colon + 1) : name;
        }

        public static string Where(Ast ast)
        {
            var function = EnclosingFunction(ast);
            return function == null ? "" : FunctionName(function) + ": ";
        }

        /// <summary>The expression of a statement that is a pipeline of one expression, else null.</summary>
        public static ExpressionAst? SingleExpression(StatementAst? statement)
        {
            if (statement is CommandExpressionAst direct)
            {
                return direct.Expression;  // the right-hand side of $x = <expression>
            }
            if (statement is PipelineAst pipeline && pipeline.PipelineElements.Count == 1
                && pipeline.PipelineElements[0] is CommandExpressionAst command)
            {
                return command.Expression;
            }
            return null;
        }

        public static ExpressionAst Unparen(ExpressionAst expression)
        {
            while (expression is ParenExpressionAst paren && SingleExpression(paren.Pipeline as StatementAst) is ExpressionAst inner)
            {
                expression = inner;
            }
            return expression;
        }

        public static string VariableName(VariableExpressionAst variable)
        {
            var path = variable.VariablePath.UserPath;
            int colon = path.IndexOf(':');
            return colon >= 0 ? path.Substring(colon + 1) : path;
        }

        /// <summary>The named parameters of a command with their argument (an explicit -Name:value or the next element).</summary>
        public static List<KeyValuePair<CommandParameterAst, CommandElementAst?>> NamedParameters(CommandAst command)
        {
            var found = new List<KeyValuePair<CommandParameterAst, CommandElementAst?>>();
            var elements = command.CommandElements;
            for (int i = 1; i < elements.Count; i++)
            {
                if (elements[i] is CommandParameterAst parameter)
                {
                    CommandElementAst? argument = parameter.Argument;
                    if (argument == null && i + 1 < elements.Count && !(elements[i + 1] is CommandParameterAst))
                    {
                        argument = elements[i + 1];
                    }
                    found.Add(new KeyValuePair<CommandParameterAst, CommandElementAst?>(parameter, argument));
                }
            }
            return found;
        }

        /// <summary>The argument given to a parameter written as any prefix of <paramref name="name"/> (at least minimum characters) or an alias.</summary>
        public static bool TryParameter(CommandAst command, string name, int minimum, IEnumerable<string> aliases, out CommandElementAst? argument)
        {
            foreach (var pair in NamedParameters(command))
            {
                var written = pair.Key.ParameterName;
                bool prefix = written.Length >= minimum && name.StartsWith(written, StringComparison.OrdinalIgnoreCase);
                if (prefix || aliases.Contains(written, StringComparer.OrdinalIgnoreCase))
                {
                    argument = pair.Value;
                    return true;
                }
            }
            argument = null;
            return false;
        }

        /// <summary>The text value of a constant string or bareword argument, else null.</summary>
        public static string? ConstantText(Ast? ast)
        {
            if (ast is ExpressionAst expression)
            {
                expression = Unparen(expression);
                if (expression is StringConstantExpressionAst text)
                {
                    return text.Value;
                }
                if (expression is ConstantExpressionAst constant && constant.Value != null)
                {
                    return Convert.ToString(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            return null;
        }

        /// <summary>The hashtable literal a splatted variable was assigned in the same scope (the last such assignment).</summary>
        public static HashtableAst? SplattedHashtable(VariableExpressionAst splat)
        {
            var owner = ScopeOwner(splat);
            HashtableAst? found = null;
            foreach (var assignment in owner.FindAll(a => a is AssignmentStatementAst, true).Cast<AssignmentStatementAst>())
            {
                if (ScopeOwner(assignment) != owner || assignment.Extent.StartOffset > splat.Extent.StartOffset)
                {
                    continue;
                }
                if (assignment.Left is VariableExpressionAst target
                    && string.Equals(VariableName(target), VariableName(splat), StringComparison.OrdinalIgnoreCase)
                    && SingleExpression(assignment.Right) is ExpressionAst value)
                {
                    value = Unparen(value);
                    if (value is ConvertExpressionAst convert)
                    {
                        value = convert.Child;
                    }
                    found = value as HashtableAst;
                }
            }
            return found;
        }

        /// <summary>Parameter name and argument pairs of a command: named parameters plus the keys of splatted hashtable literals.</summary>
        public static List<KeyValuePair<string, Ast?>> ParametersWithSplats(CommandAst command, out bool unknownSplat)
        {
            unknownSplat = false;
            var found = NamedParameters(command)
                .Select(p => new KeyValuePair<string, Ast?>(p.Key.ParameterName, p.Value))
                .ToList();
            foreach (var splat in command.CommandElements.OfType<VariableExpressionAst>().Where(v => v.Splatted))
            {
                var table = SplattedHashtable(splat);
                if (table == null)
                {
                    unknownSplat = true;
                    continue;
                }
                foreach (var pair in table.KeyValuePairs)
                {
                    if (ConstantText(pair.Item1) is string key)
                    {
                        found.Add(new KeyValuePair<string, Ast?>(key, SingleExpression(pair.Item2)));
                    }
                }
            }
            return found;
        }
    }
}
