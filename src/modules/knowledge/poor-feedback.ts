/** When feedback is poor enough to open a content review (issue 6). Pure: the thresholds come from config. */
export interface PoorFeedbackThresholds {
  /** A rating at or below this is poor; 0 turns the rating rule off. */
  poorRatingMax: number;
  /** A helpful share under this (0–1) is poor once the version has enough votes; 0 turns the rule off. */
  helpfulShareMin: number;
  /** Votes a version needs before its helpful share counts. */
  helpfulMinVotes: number;
}

/** The article version's votes, the feedback being judged included. */
export interface FeedbackTally {
  votes: number;
  helpfulVotes: number;
}

export type ReviewReason = 'low_rating' | 'low_helpful_share';

/**
 * Why this feedback should open a review, or null. A low rating is poor by itself; a low helpful share
 * is judged only on a "not helpful" vote, so good feedback never opens a review, whatever came before.
 */
export function poorFeedbackReason(
  feedback: { helpful: boolean; rating: number | null },
  tally: FeedbackTally,
  thresholds: PoorFeedbackThresholds,
): ReviewReason | null {
  if (feedback.rating !== null && feedback.rating <= thresholds.poorRatingMax) return 'low_rating';
  if (
    !feedback.helpful &&
    thresholds.helpfulShareMin > 0 &&
    tally.votes >= thresholds.helpfulMinVotes &&
    tally.votes > 0 &&
    tally.helpfulVotes / tally.votes < thresholds.helpfulShareMin
  ) {
    return 'low_helpful_share';
  }
  return null;
}
