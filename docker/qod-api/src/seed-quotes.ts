/**
 * The seed set: short quotations from works in the public domain (authors dead for well over a
 * century; the source is noted beside each). Inserted once by the `002_seed_quotes` migration.
 */
export interface SeedQuote {
  readonly text: string;
  readonly author: string;
}

export const SEED_QUOTES: readonly SeedQuote[] = [
  { text: "Well done is better than well said.", author: "Benjamin Franklin" }, // Poor Richard's Almanack, 1737
  { text: "Lost time is never found again.", author: "Benjamin Franklin" }, // Poor Richard's Almanack, 1748
  { text: "Our life is frittered away by detail. Simplify, simplify.", author: "Henry David Thoreau" }, // Walden, 1854
  { text: "Rather than love, than money, than fame, give me truth.", author: "Henry David Thoreau" }, // Walden, 1854
  { text: "A foolish consistency is the hobgoblin of little minds.", author: "Ralph Waldo Emerson" }, // Self-Reliance, 1841
  { text: "Nothing can bring you peace but yourself.", author: "Ralph Waldo Emerson" }, // Self-Reliance, 1841
  {
    text: "Few things are harder to put up with than the annoyance of a good example.",
    author: "Mark Twain",
  }, // Pudd'nhead Wilson, 1894
  {
    text: "Let us endeavor so to live that when we come to die even the undertaker will be sorry.",
    author: "Mark Twain",
  }, // Pudd'nhead Wilson, 1894
  { text: "Truth is the most valuable thing we have. Let us economize it.", author: "Mark Twain" }, // Following the Equator, 1897
  { text: "The truth is rarely pure and never simple.", author: "Oscar Wilde" }, // The Importance of Being Earnest, 1895
  {
    text: "We are all in the gutter, but some of us are looking at the stars.",
    author: "Oscar Wilde",
  }, // Lady Windermere's Fan, 1892
  { text: "Brevity is the soul of wit.", author: "William Shakespeare" }, // Hamlet, c. 1600
  {
    text: "There is nothing either good or bad, but thinking makes it so.",
    author: "William Shakespeare",
  }, // Hamlet, c. 1600
  { text: "To err is human, to forgive divine.", author: "Alexander Pope" }, // An Essay on Criticism, 1711
  { text: "A little learning is a dangerous thing.", author: "Alexander Pope" }, // An Essay on Criticism, 1711
  {
    text: "It takes all the running you can do, to keep in the same place.",
    author: "Lewis Carroll",
  }, // Through the Looking-Glass, 1871
  { text: "These are the times that try men's souls.", author: "Thomas Paine" }, // The American Crisis, 1776
  { text: "No man is an island, entire of itself.", author: "John Donne" }, // Devotions upon Emergent Occasions, 1624
  { text: "I am large, I contain multitudes.", author: "Walt Whitman" }, // Song of Myself, 1855
  { text: "To travel hopefully is a better thing than to arrive.", author: "Robert Louis Stevenson" }, // Virginibus Puerisque, 1881
  {
    text: "Let us, then, be up and doing, with a heart for any fate.",
    author: "Henry Wadsworth Longfellow",
  }, // A Psalm of Life, 1838
  {
    text: "The Analytical Engine has no pretensions whatever to originate anything.",
    author: "Ada Lovelace",
  }, // Notes on the Analytical Engine, 1843
  {
    text: "Knowledge is of two kinds. We know a subject ourselves, or we know where we can find information upon it.",
    author: "Samuel Johnson",
  }, // Boswell, The Life of Samuel Johnson, 1791
  { text: "It was the best of times, it was the worst of times.", author: "Charles Dickens" }, // A Tale of Two Cities, 1859
  { text: "A house divided against itself cannot stand.", author: "Abraham Lincoln" }, // speech at Springfield, 1858
];
