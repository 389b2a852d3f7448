package io.quiver.schemas.filter;

/**
 * One condition of a {@link Filter} clause: a {@link Match} or a {@link Range} on a payload field,
 * or a nested {@link Filter}.
 */
public sealed interface Condition permits Filter, Match, Range {}
